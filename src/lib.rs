//! # vigie
//!
//! vigie reads French texts — training-course proposals, messages from the
//! public — and flags those that involve non-validated health practices of the
//! kind that lead to therapeutic and sectarian drift, so that a human reviews
//! them. Every result carries a score, a decision band (flag / review /
//! clear), and the evidence behind it: the exact spans, the vocabulary entry
//! and its public source, the cues and learned features that raised or
//! lowered the score.
//!
//! ```
//! use vigie::{Classifier, Profile};
//! let c = Classifier::builtin().unwrap();
//! let a = c.classify("Ma mère a arrêté sa chimiothérapie sur les conseils d'une naturopathe.", Profile::Report);
//! assert!(a.decision.sent_to_review());
//! assert_eq!(a.practices[0].name, "Naturopathie");
//! println!("{}", serde_json::to_string_pretty(&a).unwrap());
//! ```
//!
//! The pipeline is described in `ARCHITECTURE.md`: [`analysis`] (one
//! text-analysis path) → [`matcher`] (vocabulary automata) → [`features`] →
//! [`model`] (a linear scorer trained with linfa, see [`train`]).

pub mod analysis;
pub mod classifier;
pub mod corpus;
pub mod eval;
pub mod features;
pub mod input;
pub mod lexicon;
pub mod matcher;
pub mod model;
pub mod pipeline;
pub mod profile;
pub mod stream;
pub mod train;

pub use classifier::{Assessment, Classifier, ClassifierBuilder, Document};
pub use lexicon::Lexicon;
pub use model::{Model, ModelError};
pub use profile::{Bands, BandsError, Decision, Priority, Profile};
