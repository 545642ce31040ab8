pub mod bc;
pub mod bench;
mod bench_env;
mod bench_sac;
pub mod data;
pub mod env;
pub mod expert;
pub mod report;
pub mod theory;
