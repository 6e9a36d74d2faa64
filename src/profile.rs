//! Who reads the result: the two profiles, their decision bands and the
//! urgency of reports.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The job a text is screened for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// A continuing-education course proposal (ANDPC screening).
    Course,
    /// A message received by MIVILUDES (query triage).
    Report,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Course, Profile::Report];
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Course => "course",
            Profile::Report => "report",
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Profile {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "course" | "formation" => Ok(Profile::Course),
            "report" | "signalement" | "saisine" => Ok(Profile::Report),
            other => Err(format!("unknown profile '{other}' (expected course or report)")),
        }
    }
}

/// The band a score falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Involves a non-validated practice with high confidence.
    Flag,
    /// Worth a human look.
    Review,
    /// Nothing found worth a look.
    Clear,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Flag => "flag",
            Decision::Review => "review",
            Decision::Clear => "clear",
        }
    }
    /// Flag and review both send the text to a human.
    pub fn sent_to_review(self) -> bool {
        self != Decision::Clear
    }
}

impl FromStr for Decision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "flag" => Ok(Decision::Flag),
            "review" => Ok(Decision::Review),
            "clear" => Ok(Decision::Clear),
            other => Err(format!("unknown decision '{other}' (expected flag, review or clear)")),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Urgency of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Urgent,
    Normal,
}

impl Priority {
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::Normal => "normal",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Score thresholds of a profile. Valid by construction: `0 ≤ review_at ≤
/// flag_at ≤ 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBands")]
pub struct Bands {
    flag_at: f32,
    review_at: f32,
}

/// Unknown keys are refused: a misspelt `reveiw_at` in a profile file must
/// not leave the threshold it meant to set at its default.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBands {
    flag_at: f32,
    review_at: f32,
}

/// Why thresholds were refused.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BandsError {
    /// A threshold is not a probability (NaN, infinite, below 0 or above 1).
    #[error("thresholds must lie in [0, 1] (flag_at {flag_at}, review_at {review_at})")]
    OutOfRange { flag_at: f32, review_at: f32 },
    /// The review band would start above the flag band.
    #[error("review_at ({review_at}) must not exceed flag_at ({flag_at})")]
    ReviewAboveFlag { flag_at: f32, review_at: f32 },
}

impl TryFrom<RawBands> for Bands {
    type Error = BandsError;
    fn try_from(r: RawBands) -> Result<Self, Self::Error> {
        Bands::new(r.flag_at, r.review_at)
    }
}

impl Bands {
    /// Checks `0 ≤ review_at ≤ flag_at ≤ 1`.
    ///
    /// ```
    /// use vigie::{Bands, Decision, profile::BandsError};
    /// let b = Bands::new(0.8, 0.3).unwrap();
    /// assert_eq!(b.decide(0.5), Decision::Review);
    /// assert!(matches!(Bands::new(0.3, 0.8), Err(BandsError::ReviewAboveFlag { .. })));
    /// assert!(matches!(Bands::new(f32::NAN, 0.3), Err(BandsError::OutOfRange { .. })));
    /// ```
    pub fn new(flag_at: f32, review_at: f32) -> Result<Bands, BandsError> {
        if !(0.0..=1.0).contains(&flag_at) || !(0.0..=1.0).contains(&review_at) {
            return Err(BandsError::OutOfRange { flag_at, review_at });
        }
        if review_at > flag_at {
            return Err(BandsError::ReviewAboveFlag { flag_at, review_at });
        }
        // `+ 0.0` turns a negative zero into zero, so that -0 is shown as 0.
        Ok(Bands { flag_at: flag_at + 0.0, review_at: review_at + 0.0 })
    }
    pub fn flag_at(&self) -> f32 {
        self.flag_at
    }
    pub fn review_at(&self) -> f32 {
        self.review_at
    }
    /// The band of a score.
    pub fn decide(&self, score: f32) -> Decision {
        if score >= self.flag_at {
            Decision::Flag
        } else if score >= self.review_at {
            Decision::Review
        } else {
            Decision::Clear
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_store_a_negative_zero_as_zero() {
        let b = Bands::new(-0.0, -0.0).unwrap();
        assert!(b.flag_at().is_sign_positive() && b.review_at().is_sign_positive());
    }

    #[test]
    fn decision_and_priority_display_as_their_output_names() {
        assert_eq!(format!("{} {}", Decision::Review, Priority::Urgent), "review urgent");
    }

    #[test]
    fn bands_refuse_review_above_flag() {
        assert!(Bands::new(0.5, 0.7).is_err());
        assert!(Bands::new(1.2, 0.1).is_err());
    }

    #[test]
    fn bands_split_scores_in_three() {
        let b = Bands::new(0.8, 0.3).unwrap();
        assert_eq!(b.decide(0.9), Decision::Flag);
        assert_eq!(b.decide(0.8), Decision::Flag);
        assert_eq!(b.decide(0.5), Decision::Review);
        assert_eq!(b.decide(0.1), Decision::Clear);
    }

    #[test]
    fn profiles_parse_from_french_and_english() {
        assert_eq!("signalement".parse::<Profile>().unwrap(), Profile::Report);
        assert_eq!("Course".parse::<Profile>().unwrap(), Profile::Course);
        assert!("x".parse::<Profile>().is_err());
    }
}
