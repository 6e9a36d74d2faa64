//! The model file: plain data a reviewer can open, and the fast scorer built
//! from it.
//!
//! A model file is two lines of JSON and more: a one-line header
//! `{"format":"vigie-model","version":1,"xxh3":"…"}` followed by the body,
//! whose 128-bit XXH3 checksum the header records (a checksum against
//! truncation and accidental edits, not a signature; it is ten times cheaper
//! than SHA-256 on the cold-start path), so a truncated or edited file is caught
//! before anything else is read. The body holds the vocabulary it was trained
//! with (verbatim, so a model always scores with its own vocabulary), the
//! fingerprints of the vocabulary and corpus, the feature settings, the
//! weights by feature name, the calibration, the decision thresholds per
//! profile and the training metrics.

use crate::features::hash_name;
use crate::lexicon::{hex, Lexicon, LexiconError};
use crate::profile::{Bands, Profile};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The format name written in every model header.
pub const FORMAT: &str = "vigie-model";
/// The body layout this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// The default model shipped with vigie (compiled in).
pub const BUILTIN_MODEL: &[u8] = include_bytes!("../models/default.vigie");

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    xxh3: String,
}

/// Settings of the feature extraction a model was trained with; a model is
/// refused when they differ from this build's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureSettings {
    pub stemmer: String,
    pub chargram_len: usize,
    pub hash: String,
}

impl FeatureSettings {
    /// The settings of this build.
    pub fn current() -> Self {
        FeatureSettings {
            stemmer: "snowball-french (frostem)".into(),
            chargram_len: crate::analysis::word::CHARGRAM_LEN,
            hash: "xxh3-64".into(),
        }
    }
}

/// Platt scaling: p = 1 / (1 + exp(-(a·s + b))) for a raw score s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f32,
    pub b: f32,
}

impl Platt {
    pub fn prob(&self, raw: f32) -> f32 {
        let z = self.a * raw + self.b;
        let p = 1.0 / (1.0 + (-z).exp());
        if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.5
        }
    }
}

/// A linear scorer as stored: bias, calibration and weights by feature name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearData {
    pub algorithm: String,
    pub bias: f32,
    pub calibration: Platt,
    /// (feature name, weight), sorted by name.
    pub weights: Vec<(String, f32)>,
}

/// Everything a model file holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelData {
    pub vigie_version: String,
    pub lexicon_version: String,
    pub lexicon_fingerprint: String,
    pub corpus_fingerprint: String,
    pub settings: FeatureSettings,
    pub bands: BTreeMap<Profile, Bands>,
    pub urgent_at: f32,
    pub flag: LinearData,
    pub urgent: LinearData,
    pub metrics: serde_json::Value,
    pub lexicon_toml: String,
}

impl LinearData {
    /// The first value that no trained scorer holds (a weight, the bias or
    /// the calibration that is not finite), named for an error message.
    fn out_of_range(&self, which: &str) -> Option<String> {
        let bad = |what: &str, v: f32| (!v.is_finite()).then(|| format!("{which} scorer: {what} is {v}"));
        bad("the bias", self.bias)
            .or_else(|| bad("the calibration slope", self.calibration.a))
            .or_else(|| bad("the calibration intercept", self.calibration.b))
            // The name is worded only for the value found: wording it for
            // every weight cost a millisecond of each start-up.
            .or_else(|| {
                self.weights
                    .iter()
                    .find(|(_, w)| !w.is_finite())
                    .and_then(|(n, w)| bad(&format!("the weight of '{n}'"), *w))
            })
    }
}

impl ModelData {
    /// The first value out of its range, named for an error message: a
    /// hand-edited file could otherwise load and flag every text (an
    /// infinite bias) or never call a report urgent (`urgent_at` above 1).
    fn out_of_range(&self) -> Option<String> {
        if !(0.0..=1.0).contains(&self.urgent_at) {
            return Some(format!("urgent_at is {}, not a probability in [0, 1]", self.urgent_at));
        }
        self.flag.out_of_range("flag").or_else(|| self.urgent.out_of_range("urgency"))
    }
}

/// What is wrong with a model file.
///
/// Each message already says why (the I/O error, the vocabulary's own
/// error), so no variant also reports it as its `source()`: a caller that
/// prints the chain, as `anyhow`'s `{:#}` does, would say it twice.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    #[error("{path}: cannot read the model file: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: the model file is empty")]
    Empty { path: String },
    #[error("{path}: not a vigie model (first line is not a vigie-model header: {message})")]
    Header { path: String, message: String },
    #[error("{path}: model format version {found} is not supported by this vigie (reads version {supported}); retrain with `vigie train`")]
    Version { path: String, found: u32, supported: u32 },
    #[error("{path}: the model file is truncated or corrupt (its content does not match the checksum in its header)")]
    Checksum { path: String },
    #[error("{path}: the model file's line endings were changed to CRLF (a copy in text mode?), so its content no longer matches its checksum; use the file as `vigie train` wrote it")]
    LineEndings { path: String },
    #[error("{path}:{line}:{column}: invalid model body: {message}")]
    Body { path: String, line: usize, column: usize, message: String },
    #[error("{path}: the model's vocabulary is invalid: {error} (fix the vocabulary and retrain with `vigie train --lexicon`)")]
    Lexicon { path: String, error: LexiconError },
    #[error("{path}: invalid model: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: incompatible model: {message}")]
    Incompatible { path: String, message: String },
}

/// A linear scorer ready for use.
#[derive(Debug, Clone)]
pub struct Linear {
    pub bias: f32,
    pub calibration: Platt,
    weights: FxHashMap<u64, f32>,
}

impl Linear {
    fn from_data(d: &LinearData) -> Linear {
        let weights = d.weights.iter().map(|(n, w)| (hash_name(n), *w)).collect();
        Linear { bias: d.bias, calibration: d.calibration, weights }
    }
    /// Weight of a feature (0 when the model does not know it).
    #[inline]
    pub fn weight(&self, hash: u64) -> f32 {
        self.weights.get(&hash).copied().unwrap_or(0.0)
    }
    /// Number of non-zero weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
}

/// The token-feature weights of both linear models, folded for scoring: one
/// lookup per word, bigram or character n-gram gives, for each kind of text,
/// the flag weight (shared feature + its kind-specific twin) and the urgency
/// weight (reports only), instead of four lookups.
#[derive(Debug, Clone, Default)]
pub struct TokenWeights {
    /// base feature hash → [kind][flag, urgent]
    table: FxHashMap<u64, [[f32; 2]; 2]>,
}

impl TokenWeights {
    /// Folds the token features of the flag and urgency models.
    pub fn new(flag: &LinearData, urgent: &LinearData) -> TokenWeights {
        // Room for every weight up front (growing it cost page faults at
        // each start); the two models share most token features.
        let mut table: FxHashMap<u64, [[f32; 2]; 2]> =
            FxHashMap::with_capacity_and_hasher(flag.weights.len().max(urgent.weights.len()), Default::default());
        for (m, data) in [flag, urgent].into_iter().enumerate() {
            for (name, w) in &data.weights {
                if !crate::features::is_token_feature(name) {
                    continue;
                }
                let (base, only) = crate::features::split_kind(name);
                let e = table.entry(hash_name(base)).or_default();
                for p in Profile::ALL {
                    // Urgency is scored for reports only.
                    if only.is_none_or(|k| k == p) && (m == 0 || p == Profile::Report) {
                        e[p as usize][m] += w;
                    }
                }
            }
        }
        TokenWeights { table }
    }

    /// [flag, urgent] weights of token feature `hash` in a text of kind `p`.
    #[inline]
    pub fn get(&self, hash: u64, p: Profile) -> [f32; 2] {
        self.get_all(hash)[p as usize]
    }

    /// [flag, urgent] weights of token feature `hash` for each kind of text
    /// (indexed by `Profile as usize`); urgency is 0 for courses.
    #[inline]
    pub fn get_all(&self, hash: u64) -> [[f32; 2]; 2] {
        self.table.get(&hash).copied().unwrap_or_default()
    }
}

/// Checksum of a model body, as written in its header.
pub fn checksum(body: &[u8]) -> String {
    hex(&xxhash_rust::xxh3::xxh3_128(body).to_be_bytes())
}

/// A loaded, checked model.
#[derive(Debug, Clone)]
pub struct Model {
    pub data: ModelData,
    pub flag: Linear,
    pub urgent: Linear,
    pub lexicon: Lexicon,
    /// Short id: the first 12 hex digits of the body's checksum.
    pub id: String,
}

impl Model {
    /// The default model shipped with vigie.
    pub fn builtin() -> Result<Model, ModelError> {
        Model::from_bytes(BUILTIN_MODEL, "models/default.vigie")
    }

    /// Reads a model file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Model, ModelError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|error| ModelError::Io { path: shown.clone(), error })?;
        Model::from_bytes(&bytes, &shown)
    }

    /// Parses and checks model bytes; `path` names them in errors.
    pub fn from_bytes(bytes: &[u8], path: &str) -> Result<Model, ModelError> {
        let p = || path.to_string();
        // A byte-order mark added by an editor is not part of the header.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ModelError::Empty { path: p() });
        }
        let nl = bytes.iter().position(|&b| b == b'\n').unwrap_or(bytes.len());
        let header: Header = serde_json::from_slice(&bytes[..nl])
            .map_err(|e| ModelError::Header { path: p(), message: e.to_string() })?;
        if header.format != FORMAT {
            return Err(ModelError::Header { path: p(), message: format!("format is '{}'", header.format) });
        }
        if header.version != FORMAT_VERSION {
            return Err(ModelError::Version { path: p(), found: header.version, supported: FORMAT_VERSION });
        }
        let body = bytes.get(nl + 1..).unwrap_or(&[]);
        let digest = checksum(body);
        if digest != header.xxh3 {
            // vigie writes LF only: a body that matches its checksum once
            // its CRLF line ends are LF again was copied in text mode.
            if memchr::memmem::find(body, b"\r\n").is_some() {
                let lf: Vec<u8> = body.iter().copied().filter(|&b| b != b'\r').collect();
                if checksum(&lf) == header.xxh3 {
                    return Err(ModelError::LineEndings { path: p() });
                }
            }
            return Err(ModelError::Checksum { path: p() });
        }
        let data: ModelData = serde_json::from_slice(body).map_err(|e| {
            // serde's message ends with its own position, counted from the
            // body; the error shows one position, counted from the file
            // (the header is its first line).
            let message = e.to_string();
            let suffix = format!(" at line {} column {}", e.line(), e.column());
            ModelError::Body {
                path: p(),
                line: e.line() + 1,
                column: e.column(),
                message: message.strip_suffix(&suffix).unwrap_or(&message).to_string(),
            }
        })?;
        if data.settings != FeatureSettings::current() {
            return Err(ModelError::Incompatible {
                path: p(),
                message: format!(
                    "trained with feature settings {:?}, this build uses {:?}",
                    data.settings,
                    FeatureSettings::current()
                ),
            });
        }
        if let Some(message) = data.out_of_range() {
            return Err(ModelError::Invalid { path: p(), message });
        }
        for prof in Profile::ALL {
            if !data.bands.contains_key(&prof) {
                return Err(ModelError::Incompatible {
                    path: p(),
                    message: format!("no thresholds for profile {prof}"),
                });
            }
        }
        let lexicon = Lexicon::from_toml_str(&data.lexicon_toml, &format!("{path} (embedded vocabulary)"))
            .map_err(|error| ModelError::Lexicon { path: p(), error })?;
        if lexicon.fingerprint != data.lexicon_fingerprint {
            return Err(ModelError::Incompatible {
                path: p(),
                message: "the embedded vocabulary does not match its recorded fingerprint".into(),
            });
        }
        let flag = Linear::from_data(&data.flag);
        let urgent = Linear::from_data(&data.urgent);
        Ok(Model { id: digest[..12].to_string(), data, flag, urgent, lexicon })
    }

    /// Serialises model data into the file format.
    pub fn to_bytes(data: &ModelData) -> Vec<u8> {
        let body = serde_json::to_vec_pretty(data).expect("model data serialises");
        let header = Header { format: FORMAT.into(), version: FORMAT_VERSION, xxh3: checksum(&body) };
        let mut out = serde_json::to_vec(&header).expect("header serialises");
        out.push(b'\n');
        out.extend_from_slice(&body);
        out
    }

    /// Thresholds of a profile.
    pub fn bands(&self, p: Profile) -> Bands {
        self.data.bands[&p]
    }
}
