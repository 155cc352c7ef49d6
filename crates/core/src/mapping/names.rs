//! Whether two people's names plausibly belong to the same person: Map User's guard against
//! linking the wrong account ("Ana Silva" to "Hiroshi Silva").
//!
//! The rule, on names folded to lower-case ASCII (accents and other scripts transliterated by
//! `deunicode`: "Zoë Müller" → "zoe muller") and split into parts at anything that is not a letter
//! or a digit ("Silva, Ana" and "silva.ana" give the same parts, in the order written, "Last,
//! First" read as "First Last"):
//!
//! - Two names with **one part each** resemble when those parts are compatible (below).
//! - Otherwise a name with one part never resembles a longer one (one shared word is not enough).
//! - Two longer names resemble when they share **two different parts**: one *exactly* (two letters
//!   or more, typically the family name), and another *compatibly* (typically the given name) —
//!   in any order, so "Silva Ana" resembles "Ana Silva" and "Ana Maria Silva" resembles "Ana Silva".
//! - Parts are *compatible* when equal, when one is the initial of the other ("A" / "Ana"), or
//!   when one begins the other and is three letters or more ("Rob" / "Robert").
//!
//! So a shared family name alone is not a resemblance ("Ana Silva" / "Hiroshi Silva"), nor is a
//! shared given name alone ("Ana Silva" / "Ana Costa"). A name with no letters or digits
//! resembles nothing.

/// The parts of `name`, folded for comparison (see the module's rule).
pub fn name_parts(name: &str) -> Vec<String> {
    // "Silva, Ana" is "Ana Silva": what follows the first comma is the given name.
    let ordered = match name.split_once(',') {
        Some((last, first)) if !first.trim().is_empty() && !last.trim().is_empty() => format!("{first} {last}"),
        _ => name.to_owned(),
    };
    deunicode::deunicode(&ordered)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether `a` and `b` plausibly name the same person (the module's rule).
pub fn names_resemble(a: &str, b: &str) -> bool {
    let (a, b) = (name_parts(a), name_parts(b));
    match (a.len(), b.len()) {
        (0, _) | (_, 0) => false,
        (1, 1) => compatible(&a[0], &b[0]),
        (1, _) | (_, 1) => false,
        _ => {
            // One part equal (two letters or more), another compatible: both on distinct parts.
            for (i, x) in a.iter().enumerate() {
                for (j, y) in b.iter().enumerate() {
                    if x.len() < 2 || x != y {
                        continue;
                    }
                    let other = a.iter().enumerate().filter(|(k, _)| *k != i).any(|(_, p)| {
                        b.iter()
                            .enumerate()
                            .filter(|(l, _)| *l != j)
                            .any(|(_, q)| compatible(p, q))
                    });
                    if other {
                        return true;
                    }
                }
            }
            false
        }
    }
}

/// Equal, an initial of the other, or (three letters or more) the start of the other.
fn compatible(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short == long || (short.len() == 1 && long.starts_with(short)) || (short.len() >= 3 && long.starts_with(short))
}

/// A name to compare when an account has none: the local part of its email ("ana.silva@…").
pub fn name_or_email_local(name: &str, email: Option<&str>) -> String {
    if !name_parts(name).is_empty() {
        return name.to_owned();
    }
    email
        .and_then(|e| e.trim().split('@').next())
        .unwrap_or_default()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_family_name_alone_is_not_a_resemblance() {
        assert!(!names_resemble("Ana Silva", "Hiroshi Silva"));
        assert!(!names_resemble("Ana Silva", "Ana Costa"));
        assert!(!names_resemble("Ana Silva", "Silva"));
        assert!(!names_resemble("Silva", "Ana Silva"));
    }

    #[test]
    fn the_same_person_written_differently_resembles() {
        assert!(names_resemble("Ana Silva", "Ana Silva"));
        assert!(names_resemble("Ana Silva", "ANA SILVA"));
        assert!(names_resemble("Ana Silva", "Silva, Ana"));
        assert!(names_resemble("Ana Silva", "Silva Ana"));
        assert!(names_resemble("Ana Silva", "Ana Maria Silva"));
        assert!(names_resemble("Ana Silva", "A. Silva"));
        assert!(names_resemble("Robert Smith", "Rob Smith"));
        assert!(names_resemble("Jean-Luc Picard", "Jean Luc Picard"));
        assert!(names_resemble("Ana Silva", "ana.silva"));
    }

    #[test]
    fn accents_and_other_scripts_are_folded() {
        assert!(names_resemble("Zoë Müller", "Zoe Muller"));
        assert!(names_resemble("José Núñez", "JOSE NUNEZ"));
        assert!(names_resemble("Ångström Åsa", "Asa Angstrom"));
        assert!(!names_resemble("Zoë Müller", "Zoe Meier"));
    }

    #[test]
    fn short_prefixes_and_single_names() {
        // Two letters is neither an initial nor a nickname: "Al" / "Alice" is too little.
        assert!(!names_resemble("Al Smith", "Alice Smith"));
        // An initial counts for either part, but the other part must then be equal.
        assert!(names_resemble("Ana S.", "Ana Silva"));
        assert!(!names_resemble("A. S.", "Ana Silva"));
        assert!(names_resemble("Ana", "ana"));
        assert!(!names_resemble("Ana", "Bea"));
        assert!(!names_resemble("", "Ana Silva"));
        assert!(!names_resemble("—", "—"));
    }

    #[test]
    fn an_account_without_a_name_is_compared_by_its_email() {
        assert_eq!(name_or_email_local("", Some(" ana.silva@example.com")), "ana.silva");
        assert_eq!(name_or_email_local("Ana Silva", Some("x@example.com")), "Ana Silva");
        assert!(names_resemble(
            "Ana Silva",
            &name_or_email_local(" ", Some("silva.ana@example.com"))
        ));
    }
}
