//! Orders as trainees type them at a terminal, in the plain mode's prompt and
//! the full screen's order line (`o`): one parser, so both accept the same words.

use super::Choice;

/// What the order words are, for help lines.
pub const ORDERS_HELP: &str = "`escort approve [UNIT]` / `escort refuse` (the oldest escort request), \
`patrol SITE,SITE [with UNIT]` / `patrol none` (today's plan), \
`talk SITE [via TEAM]` (dialogue through an IPO team, or the head of the police component), \
`alert UNIT` (a military unit), `suspend SITE` / `resume SITE` / `conditions SITE` (HRDDP support to host police)";

/// Reads an order that can be given at any stop: an answer to an escort
/// request, the patrol plan, a dialogue, an alert, host support, or (the
/// trainer's) an inject. `None` if the line is not one.
pub fn parse(line: &str) -> Option<Choice> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let list = |w: &str| -> Vec<String> {
        w.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    Some(match words.as_slice() {
        ["suspend", site] => Choice::HostSupport {
            site: site.to_string(),
            supported: false,
        },
        ["resume", site] => Choice::HostSupport {
            site: site.to_string(),
            supported: true,
        },
        ["conditions", site] => Choice::Conditions {
            site: site.to_string(),
        },
        ["escort", "approve"] => Choice::Escort {
            approve: true,
            unit: None,
            request: None,
            site: String::new(),
        },
        ["escort", "approve", unit] => Choice::Escort {
            approve: true,
            unit: Some(unit.to_string()),
            request: None,
            site: String::new(),
        },
        ["escort", "refuse"] => Choice::Escort {
            approve: false,
            unit: None,
            request: None,
            site: String::new(),
        },
        ["patrol", "none"] => Choice::PatrolPlan {
            sites: Vec::new(),
            units: Vec::new(),
        },
        ["patrol", sites] => Choice::PatrolPlan {
            sites: list(sites),
            units: Vec::new(),
        },
        ["patrol", sites, "with", units] => Choice::PatrolPlan {
            sites: list(sites),
            units: list(units),
        },
        ["talk", site] => Choice::Dialogue {
            site: site.to_string(),
            by: None,
        },
        ["talk", site, "via", team] => Choice::Dialogue {
            site: site.to_string(),
            by: Some(team.to_string()),
        },
        ["alert", unit] => Choice::Alert {
            unit: unit.to_string(),
        },
        ["inject", kind, site, text @ ..] => Choice::Inject {
            kind: kind.to_string(),
            site: site.to_string(),
            text: text.join(" "),
        },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_order() {
        assert_eq!(
            parse("patrol camp,town with fpu-a"),
            Some(Choice::PatrolPlan {
                sites: vec!["camp".into(), "town".into()],
                units: vec!["fpu-a".into()]
            })
        );
        assert_eq!(
            parse("talk camp via ipo-town"),
            Some(Choice::Dialogue {
                site: "camp".into(),
                by: Some("ipo-town".into())
            })
        );
        assert!(matches!(
            parse("escort refuse"),
            Some(Choice::Escort { approve: false, .. })
        ));
        assert!(matches!(parse("alert mil"), Some(Choice::Alert { .. })));
        assert!(matches!(
            parse("conditions town"),
            Some(Choice::Conditions { .. })
        ));
        assert_eq!(parse("patrol"), None);
        assert_eq!(parse("escort maybe"), None);
    }
}
