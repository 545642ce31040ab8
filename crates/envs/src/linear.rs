//! A linear system `x_{h+1} = A x_h + B u_h` whose open loop is marginally unstable, with a stabilizing
//! linear expert: the whole imitation pipeline runs on it in seconds, and small policy errors are
//! amplified by the dynamics exactly as Prop. 3.1 of the paper describes.

use rand::Rng;

use crate::{Env, EnvError, EnvRng, EnvSpec, LinearPolicy, Replicate, RewardTerms, Transition};

/// States beyond this norm count as diverged: the episode terminates before numbers overflow.
const DIVERGED: f64 = 1e6;

#[derive(Debug, Clone)]
pub struct LinearSystem {
    spec: EnvSpec,
    /// Row-major `[n, n]`.
    a: Vec<f64>,
    /// Row-major `[n, m]`.
    b: Vec<f64>,
    /// Initial states are uniform in `[-x0_scale, x0_scale]^n`.
    x0_scale: f64,
    x: Vec<f64>,
    next: Vec<f64>,
    elapsed_steps: usize,
}

impl LinearSystem {
    /// `n` copies of a discretized double integrator (position, velocity; dt = 0.1): A has the
    /// eigenvalue 1 twice with a Jordan block, so the open loop drifts polynomially (marginally
    /// unstable); reward −(‖x‖² + ‖u‖²).
    pub fn double_integrator(copies: usize, horizon: usize) -> Self {
        let n = 2 * copies;
        let mut a = vec![0.0; n * n];
        let mut b = vec![0.0; n * copies];
        for c in 0..copies {
            let (p, v) = (2 * c, 2 * c + 1);
            a[p * n + p] = 1.0;
            a[p * n + v] = 0.1;
            a[v * n + v] = 1.0;
            b[v * copies + c] = 0.1;
        }
        Self::new(a, b, n, copies, 1.0, horizon)
    }

    pub fn new(a: Vec<f64>, b: Vec<f64>, n: usize, m: usize, x0_scale: f64, horizon: usize) -> Self {
        assert_eq!(a.len(), n * n, "A must be n × n");
        assert_eq!(b.len(), n * m, "B must be n × m");
        let spec = EnvSpec {
            id: "LinearSystem",
            obs_dim: n,
            act_dim: m,
            // Informative only: the dynamics take any finite control.
            action_low: vec![-10.0; m],
            action_high: vec![10.0; m],
            state_dim: n,
            max_episode_steps: horizon,
        };
        Self { spec, a, b, x0_scale, x: vec![0.0; n], next: vec![0.0; n], elapsed_steps: 0 }
    }

    /// The expert of [`LinearSystem::double_integrator`]: u = −(1·position + 1.5·velocity) per copy;
    /// the closed loop's eigenvalues have modulus √0.86 ≈ 0.93.
    pub fn double_integrator_expert(copies: usize) -> LinearPolicy {
        let n = 2 * copies;
        let mut gain = vec![0.0; copies * n];
        for c in 0..copies {
            gain[c * n + 2 * c] = -1.0;
            gain[c * n + 2 * c + 1] = -1.5;
        }
        LinearPolicy { gain, obs_dim: n, act_dim: copies }
    }
}

impl Replicate for LinearSystem {
    fn replicate(&self) -> Self {
        self.clone()
    }
}

impl Env for LinearSystem {
    fn spec(&self) -> &EnvSpec {
        &self.spec
    }

    fn reset(&mut self, rng: &mut EnvRng) {
        let s = self.x0_scale;
        for x in &mut self.x {
            *x = rng.random_range(-s..=s);
        }
        self.elapsed_steps = 0;
    }

    fn reset_to(&mut self, state: &[f64]) -> Result<(), EnvError> {
        if state.len() != self.x.len() {
            return Err(EnvError::StateDim {
                env: self.spec.id.into(),
                got: state.len(),
                expected: self.x.len(),
                what: "x",
            });
        }
        self.x.copy_from_slice(state);
        self.elapsed_steps = 0;
        Ok(())
    }

    fn state(&self) -> Vec<f64> {
        self.x.clone()
    }

    fn step(&mut self, action: &[f64]) -> Result<Transition, EnvError> {
        let (n, m) = (self.spec.obs_dim, self.spec.act_dim);
        if action.len() != m {
            return Err(EnvError::ActionDim { env: self.spec.id.into(), got: action.len(), expected: m });
        }
        if let Some((index, &value)) = action.iter().enumerate().find(|(_, a)| !a.is_finite()) {
            return Err(EnvError::NonFiniteAction { env: self.spec.id.into(), index, value });
        }
        let state_cost: f64 = self.x.iter().map(|x| x * x).sum();
        let ctrl_cost: f64 = action.iter().map(|u| u * u).sum();
        for i in 0..n {
            let ax: f64 = (0..n).map(|j| self.a[i * n + j] * self.x[j]).sum();
            let bu: f64 = (0..m).map(|j| self.b[i * m + j] * action[j]).sum();
            self.next[i] = ax + bu;
        }
        std::mem::swap(&mut self.x, &mut self.next);
        self.elapsed_steps += 1;
        let norm: f64 = self.x.iter().map(|x| x * x).sum::<f64>().sqrt();
        // The state cost is paid as a negative "forward" term so that reward = forward − ctrl_cost.
        let terms = RewardTerms { forward: -state_cost, healthy: 0.0, ctrl_cost, contact_cost: 0.0 };
        Ok(Transition {
            reward: terms.forward - terms.ctrl_cost,
            terms,
            terminated: norm.is_nan() || norm >= DIVERGED,
            truncated: self.elapsed_steps >= self.spec.max_episode_steps,
        })
    }

    fn observation(&self) -> &[f64] {
        &self.x
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{env_rng, rollout};

    #[test]
    fn expert_stabilizes_the_marginally_unstable_system() {
        let mut env = LinearSystem::double_integrator(2, 200);
        let mut expert = LinearSystem::double_integrator_expert(2);
        env.reset_to(&[1.0, 0.0, -1.0, 0.5]).unwrap();
        let ep = rollout::rollout(&mut env, &mut expert, 200).unwrap();
        assert_eq!(ep.length, 200);
        let norm: f64 = env.observation().iter().map(|x| x * x).sum::<f64>().sqrt();
        assert!(norm < 1e-4, "closed loop decays: {norm}");
        // Open loop (u = 0) from a moving state drifts linearly: position grows by 0.1·v per step.
        env.reset_to(&[0.0, 1.0, 0.0, 0.0]).unwrap();
        for _ in 0..100 {
            env.step(&[0.0, 0.0]).unwrap();
        }
        assert!((env.observation()[0] - 10.0).abs() < 1e-9);
        let mut rng = env_rng(0);
        env.reset(&mut rng);
        assert!(env.observation().iter().all(|x| x.abs() <= 1.0));
    }
}
