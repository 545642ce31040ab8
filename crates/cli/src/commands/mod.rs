pub mod bench;
mod bench_env;
pub mod env;
pub mod theory;
