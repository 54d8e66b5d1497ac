//! The medians of several rounds as a Markdown table, the added latency
//! taken against the in-memory baseline.

use crate::run::Report;
use crate::server::Kind;

/// The median of `v` (the lower middle of an even count); 0 when empty.
fn median<T: Copy + PartialOrd + Default>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v.get(v.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or_default()
}

/// Median figures of one adapter.
#[derive(Debug, Clone, Copy, Default)]
struct Medians {
    rate: f64,
    paced: (u64, u64),
    remote: (u64, u64),
    first: (u64, u64),
    burst: (u64, u64),
}

fn medians(reports: &[&Report]) -> Medians {
    let pick = |f: &dyn Fn(&Report) -> u64| median(reports.iter().map(|r| f(r)).collect());
    Medians {
        rate: median(reports.iter().map(|r| r.rate).collect()),
        paced: (pick(&|r| r.paced.0), pick(&|r| r.paced.1)),
        remote: (pick(&|r| r.paced_remote.0), pick(&|r| r.paced_remote.1)),
        first: (pick(&|r| r.first.0), pick(&|r| r.first.1)),
        burst: (pick(&|r| r.burst.0), pick(&|r| r.burst.1)),
    }
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn signed_ms(us: u64, base: u64) -> String {
    format!("{:+.2}", (us as f64 - base as f64) / 1000.0)
}

/// One row per adapter of `runs` (in the order of `kinds`): medians of its
/// successful rounds.
pub(crate) fn markdown(kinds: &[Kind], runs: &[(Kind, Report)]) -> String {
    let of = |kind: Kind| -> Vec<&Report> {
        runs.iter()
            .filter(|(k, r)| *k == kind && r.ok)
            .map(|(_, r)| r)
            .collect()
    };
    let base = of(Kind::Memory);
    let base = (!base.is_empty()).then(|| medians(&base));
    let mut out = String::from(
        "| adapter | rounds ok | deliveries/s | paced: every delivery p50 / p99, ms | paced: server B's deliveries | paced: first delivery on B | added: first delivery − baseline's | under load: every delivery |\n|---|---|---|---|---|---|---|---|\n",
    );
    for &kind in kinds {
        let reports = of(kind);
        let total = runs.iter().filter(|(k, _)| *k == kind).count();
        if reports.is_empty() {
            out.push_str(&format!(
                "| {} | 0/{total} | – | – | – | – | – | – |\n",
                kind.name()
            ));
            continue;
        }
        let m = medians(&reports);
        let added = match base {
            Some(b) if kind != Kind::Memory => format!(
                "{} / {}",
                signed_ms(m.first.0, b.first.0),
                signed_ms(m.first.1, b.first.1)
            ),
            _ => "–".into(),
        };
        out.push_str(&format!(
            "| {} | {}/{total} | {:.0} | {} / {} | {} / {} | {} / {} | {added} | {} / {} |\n",
            kind.name(),
            reports.len(),
            m.rate,
            ms(m.paced.0),
            ms(m.paced.1),
            ms(m.remote.0),
            ms(m.remote.1),
            ms(m.first.0),
            ms(m.first.1),
            ms(m.burst.0),
            ms(m.burst.1),
        ));
    }
    out
}
