//! The statistics behind the reports: means and standard deviations, the oscillation metrics and the fall
//! rule, intervals over seeds (Student-t, Welch) and over initial conditions (bootstrap).

pub mod bootstrap;
pub mod interval;
pub mod moments;
pub mod oscillation;
pub mod over_seeds;
