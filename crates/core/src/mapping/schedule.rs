//! When Auto Sync runs by itself: the schedule rules (pure: the clock is passed in, so tests need
//! no sleeping), and each platform's saved schedule in the store.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time, UtcOffset};

use crate::store::mappings::platform_str;
use crate::store::{now_rfc3339, Store};
use crate::vendor::directory::Platform;
use crate::{Error, Result};

/// An Auto Sync schedule, per platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduleInfo {
    pub schedule: Schedule,
    /// RFC 3339 UTC.
    pub last_run: Option<String>,
    /// RFC 3339 UTC; `None` when off.
    pub next_run: Option<String>,
    /// The sentence of the last scheduled run when it failed; `None` when it succeeded (or none ran).
    pub last_error: Option<String>,
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

/// A platform's saved schedule: what it is, when it was set, when it last ran.
struct SavedSchedule {
    schedule: Schedule,
    created: Option<time::OffsetDateTime>,
    last_run: Option<String>,
}

fn parse_timestamp(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn local_offset() -> time::UtcOffset {
    time::UtcOffset::current_local_offset().unwrap_or(time::UtcOffset::UTC)
}

fn saved_schedule(store: &Store, platform: Platform) -> Result<Option<SavedSchedule>> {
    let found: Option<(String, String, Option<String>)> = store
        .conn()
        .query_row(
            "SELECT schedule, created_at, last_run FROM auto_sync_schedules WHERE platform = ?1",
            [platform_str(platform)],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.map(|(schedule, created, last_run)| SavedSchedule {
        schedule: serde_json::from_str(&schedule).unwrap_or(Schedule::Off),
        created: parse_timestamp(&created),
        last_run,
    }))
}

/// The platform's schedule, with its last and next run.
pub fn schedule_info(store: &Store, platform: Platform) -> Result<ScheduleInfo> {
    let Some(saved) = saved_schedule(store, platform)? else {
        return Ok(ScheduleInfo {
            schedule: Schedule::Off,
            last_run: None,
            next_run: None,
            last_error: None,
        });
    };
    let from = saved.last_run.as_deref().and_then(parse_timestamp).or(saved.created);
    let next_run = from
        .and_then(|f| saved.schedule.next_after(f, local_offset()))
        .and_then(|n| n.format(&time::format_description::well_known::Rfc3339).ok());
    Ok(ScheduleInfo {
        schedule: saved.schedule,
        last_run: saved.last_run,
        next_run,
        last_error: store.setting(&last_error_key(platform))?.filter(|e| !e.is_empty()),
    })
}

pub fn set_schedule(store: &Store, platform: Platform, schedule: &Schedule) -> Result<ScheduleInfo> {
    schedule.validate()?;
    let json = serde_json::to_string(schedule).map_err(|e| Error::Internal(e.to_string()))?;
    store.conn().execute(
        "INSERT INTO auto_sync_schedules (platform, schedule, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (platform) DO UPDATE SET schedule = excluded.schedule, created_at = excluded.created_at",
        params![platform_str(platform), json, now_rfc3339()],
    )?;
    schedule_info(store, platform)
}

/// Whether the platform's scheduled Auto Sync is due at `now` (one catch-up run after a miss).
pub fn is_due(store: &Store, platform: Platform, now: time::OffsetDateTime) -> Result<bool> {
    let Some(SavedSchedule {
        schedule,
        created: Some(created),
        last_run,
    }) = saved_schedule(store, platform)?
    else {
        return Ok(false);
    };
    Ok(due(
        &schedule,
        last_run.as_deref().and_then(parse_timestamp),
        created,
        now,
        local_offset(),
    ))
}

/// Records that the scheduled run ran at `at`, and its error sentence if it failed.
pub fn record_scheduled_run(store: &Store, platform: Platform, at: &str, error: Option<&str>) -> Result<()> {
    store.conn().execute(
        "UPDATE auto_sync_schedules SET last_run = ?2 WHERE platform = ?1",
        params![platform_str(platform), at],
    )?;
    store.set_setting(&last_error_key(platform), error.unwrap_or(""))
}

/// Where the last scheduled run's error is kept (a setting, so no migration is needed).
fn last_error_key(platform: Platform) -> String {
    format!("mapping.schedule.{}.last_error", platform_str(platform))
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
