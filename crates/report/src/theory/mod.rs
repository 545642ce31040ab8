//! What `butterfly theory` shows of the toy models: one configuration as a table (or JSON), a sweep as a CSV
//! and plots.

mod cliff_point;
mod cliff_sweep;
mod estimate_table;
mod linear_point;
mod linear_sweep;
mod theory_sweep;

pub use cliff_point::{CliffPoint, Laws};
pub use cliff_sweep::write_cliff_sweep;
pub use linear_point::LinearPoint;
pub use linear_sweep::write_linear_sweep;
pub use theory_sweep::TheorySweep;
