//! What the shipped classifier finds in texts, and where.

use vigie::lexicon::Status;
use vigie::{Classifier, Decision, Profile};

fn classifier() -> Classifier {
    Classifier::builtin().expect("shipped model loads")
}

#[test]
fn biokinergie_course_is_flagged_with_span_status_and_source() {
    let text = "Formation à la biokinergie : apprenez à dérouler les enroulements tissulaires de vos patients. Niveau 1 d'un cursus certifiant, ouvert à tous les soignants.";
    let a = classifier().classify(text, Profile::Course);
    assert_eq!(a.decision, Decision::Flag, "score {}", a.score);
    let p = a.practices.iter().find(|p| p.name == "Biokinergie").expect("biokinergie found");
    assert_eq!(p.status, Status::Warned);
    assert!(p.source.contains("Ordre des masseurs-kinésithérapeutes"), "{}", p.source);
    let s = &p.spans[0];
    assert_eq!(&text[s.start..s.end], "biokinergie");
}

#[test]
fn respiratory_physiotherapy_course_reports_no_practice() {
    let text = "Kinésithérapie respiratoire chez l'enfant atteint de bronchiolite : recommandations HAS, techniques de désencombrement, critères d'hospitalisation. Public : masseurs-kinésithérapeutes.";
    let a = classifier().classify(text, Profile::Course);
    assert!(a.practices.is_empty(), "{:?}", a.practices.iter().map(|p| &p.name).collect::<Vec<_>>());
    assert_eq!(a.decision, Decision::Clear, "score {}", a.score);
}

#[test]
fn evasive_spellings_of_kinesiologie_resolve_with_original_spans() {
    let c = classifier();
    for variant in ["k1nésio-logie", "KINESIOLOGIE", "kinésiologue", "kіnésiologie", "kiné\u{200B}siologie"] {
        let text = format!("Ma fille consulte pour de la {variant} chaque semaine.");
        let a = c.classify(&text, Profile::Report);
        let p = a.practices.iter().find(|p| p.name == "Kinésiologie").unwrap_or_else(|| panic!("{variant} not found"));
        let s = &p.spans[0];
        assert_eq!(&text[s.start..s.end], variant);
    }
}

#[test]
fn critical_course_naming_practices_is_not_flagged() {
    let text = "Prévenir les dérives thérapeutiques : repérer l'emprise chez un patient qui abandonne son traitement pour le décodage biologique ou le reiki. Niveau de preuve, perte de chance, signalement à la Miviludes. Intervenants : juriste et conseillère de la Miviludes.";
    let a = classifier().classify(text, Profile::Course);
    assert!(!a.practices.is_empty());
    assert_ne!(a.decision, Decision::Flag, "score {}", a.score);
}

#[test]
fn report_of_stopped_chemotherapy_is_urgent_with_the_cue_as_evidence() {
    let text =
        "Ma mère a arrêté sa chimiothérapie sur les conseils de sa naturopathe, elle ne veut plus voir son oncologue.";
    let a = classifier().classify(text, Profile::Report);
    assert!(a.decision.sent_to_review());
    assert_eq!(a.priority, Some(vigie::Priority::Urgent), "urgency {:?}", a.urgency);
    assert!(a.cues.iter().any(|c| c.kind == vigie::lexicon::CueKind::Urgent), "{:?}", a.cues);
    assert!(!a.urgent_because.is_empty());
}

#[test]
fn top_features_point_at_the_text() {
    let text = "Stage de reiki : initiation au premier degré, transmission de l'énergie universelle.";
    let a = classifier().classify(text, Profile::Course);
    assert!(!a.top_features.is_empty());
    for f in &a.top_features {
        for s in &f.spans {
            assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end) && s.end <= text.len());
        }
    }
}

#[test]
fn short_message_naming_a_warned_practice_goes_to_review_by_the_floor() {
    let a = classifier().classify("Ma fille suit un reiki.", Profile::Report);
    let bands = classifier().bands(Profile::Report);
    assert!(a.score < bands.review_at(), "the score alone must clear it for this test: {}", a.score);
    assert_eq!(a.decision, Decision::Review);
    assert!(a.review_floor);
}

#[test]
fn review_floor_leaves_a_critically_framed_text_to_its_score() {
    let text = "Repérer les dérives thérapeutiques : ce que disent les preuves sur le reiki, et comment signaler à la Miviludes.";
    let a = classifier().classify(text, Profile::Course);
    assert!(a.practices.iter().any(|p| p.name == "Reiki"));
    assert!(!a.review_floor);
    assert_eq!(a.decision, Decision::Clear, "score {}", a.score);
}

#[test]
fn review_floor_needs_a_practice_under_public_warning() {
    // Homeopathy is not a `warned` practice: a short question about it is
    // left to the score.
    let a = classifier()
        .classify("J'ai lu un article sur l'homéopathie : est-elle encore remboursée en 2024 ?", Profile::Report);
    assert!(a.practices.iter().any(|p| p.name == "Homéopathie"));
    assert!(a.practices.iter().all(|p| p.status != Status::Warned));
    assert!(!a.review_floor);
    assert_eq!(a.decision, Decision::Clear, "score {}", a.score);
}

#[test]
fn review_floor_leaves_longer_texts_to_their_score() {
    // Thresholds no score reaches: only the floor can send a text to review.
    let c = vigie::ClassifierBuilder::new().bands(Profile::Report, 1.0, 1.0).unwrap().build().unwrap();
    let short = c.classify("Ma fille suit un reiki.", Profile::Report);
    assert_eq!(short.decision, Decision::Review);
    let long = c.classify(
        "Bonjour, je vous écris au sujet de ma fille qui habite à Lyon avec son mari et leurs deux chats depuis \
         trois ans ; elle travaille à la mairie, aime la randonnée, le jardinage et la cuisine italienne, et elle \
         suit un reiki.",
        Profile::Report,
    );
    assert!(long.practices.iter().any(|p| p.name == "Reiki"));
    assert!(!long.review_floor);
    assert_eq!(long.decision, Decision::Clear);
}
