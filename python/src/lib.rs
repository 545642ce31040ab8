//! `butterfly._native`, the Rust core under `import butterfly` (python/butterfly): Butterfly's MuJoCo
//! envs as a batch, its stabilizers and post-hoc EMA, and `analyze` and `select`. The Rust crates stay free
//! of PyO3; this crate only converts arrays and errors and releases the GIL around long work.

mod analysis;
mod error;
mod stabilizers;
mod vec_env;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("ButterflyError", m.py().get_type::<error::ButterflyError>())?;
    m.add("TASK_IDS", butterfly_envs::TASK_IDS.to_vec())?;
    m.add_class::<vec_env::VecEnv>()?;
    m.add_class::<stabilizers::Stabilizers>()?;
    m.add_function(wrap_pyfunction!(stabilizers::power_exponent, m)?)?;
    m.add_function(wrap_pyfunction!(stabilizers::reconstruct, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::analyze, m)?)?;
    m.add_function(wrap_pyfunction!(analysis::select, m)?)?;
    Ok(())
}
