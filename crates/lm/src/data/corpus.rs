//! Documents from corpus files: TinyStories' `*.txt` (stories separated by `<|endoftext|>`), its JSON
//! shards (a list of objects with a `story` field), plain text (one document per file), and flip-flop
//! files (one checked sequence per line, each a document).

use std::path::Path;

use crate::LmError;
use crate::data::flipflop;
use crate::data::tokenizer::END_OF_TEXT;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorpusFormat {
    TinystoriesTxt,
    TinystoriesJson,
    Text,
    Flipflop,
}

impl std::str::FromStr for CorpusFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tinystories-txt" => Ok(Self::TinystoriesTxt),
            "tinystories-json" => Ok(Self::TinystoriesJson),
            "text" => Ok(Self::Text),
            "flipflop" => Ok(Self::Flipflop),
            _ => Err(format!("unknown corpus format '{s}' (tinystories-txt, tinystories-json, text, flipflop)")),
        }
    }
}

#[derive(serde::Deserialize)]
struct Story {
    story: String,
}

/// The documents of one file, each stripped of surrounding whitespace; empty ones are dropped.
pub fn read_documents(path: &Path, format: CorpusFormat) -> Result<Vec<String>, LmError> {
    if format == CorpusFormat::Flipflop {
        return flipflop::read(path);
    }
    let bad = |what: String| LmError::Corpus { path: path.to_path_buf(), what };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read as UTF-8 text: {e}")))?;
    let docs: Vec<String> = match format {
        CorpusFormat::TinystoriesTxt => text.split(END_OF_TEXT).map(|s| s.trim().to_string()).collect(),
        CorpusFormat::TinystoriesJson => serde_json::from_str::<Vec<Story>>(&text)
            .map_err(|e| bad(format!("not a list of {{\"story\": …}} objects: {e}")))?
            .into_iter()
            .map(|s| s.story.trim().to_string())
            .collect(),
        CorpusFormat::Text => vec![text.trim().to_string()],
        CorpusFormat::Flipflop => unreachable!("read above"),
    };
    let docs: Vec<String> = docs.into_iter().filter(|d| !d.is_empty()).collect();
    if docs.is_empty() {
        return Err(bad("holds no text".into()));
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_format() {
        let dir = std::env::temp_dir().join(format!("butterfly-corpus-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let txt = dir.join("s.txt");
        std::fs::write(&txt, "One day a cat sat.\n<|endoftext|>\nThe end came.\n<|endoftext|>\n").unwrap();
        assert_eq!(
            read_documents(&txt, CorpusFormat::TinystoriesTxt).unwrap(),
            ["One day a cat sat.", "The end came."]
        );
        let json = dir.join("s.json");
        std::fs::write(&json, r#"[{"story": " A dog ran. ", "other": 1}, {"story": "Bye."}]"#).unwrap();
        assert_eq!(read_documents(&json, CorpusFormat::TinystoriesJson).unwrap(), ["A dog ran.", "Bye."]);
        assert_eq!(read_documents(&txt, CorpusFormat::Text).unwrap().len(), 1);
        std::fs::write(&json, "[1, 2]").unwrap();
        assert!(read_documents(&json, CorpusFormat::TinystoriesJson).unwrap_err().to_string().contains("story"));
    }
}
