//! When Auto Sync runs next. Pure: the clock is passed in, so tests need no sleeping.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time, UtcOffset};
use ts_rs::TS;

use crate::{Error, Result};

/// An Auto Sync schedule, per platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    Off,
    /// Every N minutes, N ≥ 5.
    EveryMinutes {
        minutes: u32,
    },
    Hourly,
    /// Every day at a local time, "HH:MM".
    Daily {
        time: String,
    },
}

/// A schedule with its last and next run, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ScheduleInfo {
    pub schedule: Schedule,
    /// RFC 3339 UTC.
    pub last_run: Option<String>,
    /// RFC 3339 UTC; `None` when off.
    pub next_run: Option<String>,
}

pub const MIN_MINUTES: u32 = 5;

impl Schedule {
    pub fn validate(&self) -> Result<()> {
        match self {
            Schedule::EveryMinutes { minutes } if *minutes < MIN_MINUTES => Err(Error::InvalidInput(format!(
                "Run Auto Sync at most every {MIN_MINUTES} minutes; {minutes} is too often."
            ))),
            Schedule::Daily { time } => parse_time(time).map(|_| ()),
            _ => Ok(()),
        }
    }

    /// The first run strictly after `after` (`offset`: the local time zone, for daily runs).
    pub fn next_after(&self, after: OffsetDateTime, offset: UtcOffset) -> Option<OffsetDateTime> {
        match self {
            Schedule::Off => None,
            Schedule::EveryMinutes { minutes } => {
                Some(after + Duration::minutes(i64::from((*minutes).max(MIN_MINUTES))))
            }
            Schedule::Hourly => Some(after + Duration::hours(1)),
            Schedule::Daily { time } => {
                let at = parse_time(time).ok()?;
                let local = after.to_offset(offset);
                let today = local.replace_time(at);
                let next = if today > local {
                    today
                } else {
                    today + Duration::days(1)
                };
                Some(next.to_offset(UtcOffset::UTC))
            }
        }
    }
}

fn parse_time(text: &str) -> Result<Time> {
    let bad = || {
        Error::InvalidInput(format!(
            "\"{text}\" is not a time of day; write it as HH:MM, e.g. 02:30."
        ))
    };
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u8, u8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    Time::from_hms(h, m, 0).map_err(|_| bad())
}

/// Whether a run is due at `now`: the next run after the last one has come. A missed run (the app
/// was closed) makes exactly one catch-up run, since the next one is then reckoned from it.
pub fn due(
    schedule: &Schedule,
    last_run: Option<OffsetDateTime>,
    created: OffsetDateTime,
    now: OffsetDateTime,
    offset: UtcOffset,
) -> bool {
    schedule
        .next_after(last_run.unwrap_or(created), offset)
        .is_some_and(|next| next <= now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const UTC: UtcOffset = UtcOffset::UTC;

    #[test]
    fn every_n_minutes_and_hourly() {
        let t = datetime!(2026-11-21 10:00 UTC);
        assert_eq!(
            Schedule::EveryMinutes { minutes: 15 }.next_after(t, UTC),
            Some(datetime!(2026-11-21 10:15 UTC))
        );
        assert_eq!(
            Schedule::Hourly.next_after(t, UTC),
            Some(datetime!(2026-11-21 11:00 UTC))
        );
        assert_eq!(Schedule::Off.next_after(t, UTC), None);
        assert!(Schedule::EveryMinutes { minutes: 4 }.validate().is_err());
    }

    #[test]
    fn daily_at_a_local_time() {
        let paris = UtcOffset::from_hms(1, 0, 0).unwrap();
        let daily = Schedule::Daily { time: "02:30".into() };
        // 00:00 UTC is 01:00 in Paris: 02:30 Paris (01:30 UTC) is still to come today.
        assert_eq!(
            daily.next_after(datetime!(2026-11-21 00:00 UTC), paris),
            Some(datetime!(2026-11-21 01:30 UTC))
        );
        // Just after it: tomorrow.
        assert_eq!(
            daily.next_after(datetime!(2026-11-21 01:30 UTC), paris),
            Some(datetime!(2026-11-22 01:30 UTC))
        );
        assert!(Schedule::Daily { time: "25:00".into() }.validate().is_err());
    }

    #[test]
    fn a_missed_run_is_caught_up_once() {
        let every = Schedule::EveryMinutes { minutes: 10 };
        let created = datetime!(2026-11-21 08:00 UTC);
        // Closed all morning: at 12:00 one run is due…
        assert!(due(
            &every,
            Some(datetime!(2026-11-21 08:10 UTC)),
            created,
            datetime!(2026-11-21 12:00 UTC),
            UTC
        ));
        // …and after it ran at 12:00, the next is 12:10, not the 23 missed ones.
        assert!(!due(
            &every,
            Some(datetime!(2026-11-21 12:00 UTC)),
            created,
            datetime!(2026-11-21 12:05 UTC),
            UTC
        ));
        assert!(due(
            &every,
            Some(datetime!(2026-11-21 12:00 UTC)),
            created,
            datetime!(2026-11-21 12:10 UTC),
            UTC
        ));
        assert!(!due(
            &Schedule::Off,
            None,
            created,
            datetime!(2030-01-01 00:00 UTC),
            UTC
        ));
    }
}
