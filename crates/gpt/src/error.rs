#[derive(Debug, thiserror::Error)]
pub enum GptError {
    #[error("gpt: {0}")]
    Config(String),

    #[error("gpt: {what}")]
    Input { what: String },
}
