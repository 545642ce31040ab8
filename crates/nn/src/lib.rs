//! Flat-parameter MLP engine (issue 3 builds it out).
pub mod error;
pub mod float;
pub mod gemm;
pub mod bench;
