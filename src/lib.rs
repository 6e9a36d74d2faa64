pub mod analysis;
pub mod lexicon;
pub mod matcher;
