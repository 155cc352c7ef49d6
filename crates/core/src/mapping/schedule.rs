//! When Auto Sync runs by itself: the schedule rules (pure: the clock is passed in, so tests need
//! no sleeping), and each mapping link's saved schedule in the store.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime, Time, UtcOffset};

use crate::mapping::links::MappingLink;
use crate::store::{now_rfc3339, Store};
use crate::{Error, Result};

/// An Auto Sync schedule, per mapping link (business unit and platform).
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

/// A link's saved schedule: what it is, when it was set, when it last ran.
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

fn saved_schedule(store: &Store, link_id: i64) -> Result<Option<SavedSchedule>> {
    let found: Option<(String, String, Option<String>)> = store
        .conn()
        .query_row(
            "SELECT schedule, created_at, last_run FROM auto_sync_schedules WHERE link_id = ?1",
            [link_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    Ok(found.map(|(schedule, created, last_run)| SavedSchedule {
        schedule: serde_json::from_str(&schedule).unwrap_or(Schedule::Off),
        created: parse_timestamp(&created),
        last_run,
    }))
}

impl SavedSchedule {
    /// The next run: reckoned from the last run, or from when the schedule was set.
    fn next_run(&self, offset: UtcOffset) -> Option<OffsetDateTime> {
        let from = self.last_run.as_deref().and_then(parse_timestamp).or(self.created)?;
        self.schedule.next_after(from, offset)
    }
}

/// The link's schedule, with its last and next run.
pub fn schedule_info(store: &Store, link_id: i64) -> Result<ScheduleInfo> {
    let Some(saved) = saved_schedule(store, link_id)? else {
        return Ok(ScheduleInfo {
            schedule: Schedule::Off,
            last_run: None,
            next_run: None,
            last_error: None,
        });
    };
    let next_run = saved
        .next_run(local_offset())
        .and_then(|n| n.format(&time::format_description::well_known::Rfc3339).ok());
    Ok(ScheduleInfo {
        schedule: saved.schedule,
        last_run: saved.last_run,
        next_run,
        last_error: store.setting(&last_error_key(link_id))?.filter(|e| !e.is_empty()),
    })
}

/// Saves the link's schedule (refused for a link that is gone).
pub fn set_schedule(store: &Store, link_id: i64, schedule: &Schedule) -> Result<ScheduleInfo> {
    schedule.validate()?;
    crate::mapping::links::get(store, link_id)?;
    let json = serde_json::to_string(schedule).map_err(|e| Error::Internal(e.to_string()))?;
    store.conn().execute(
        "INSERT INTO auto_sync_schedules (link_id, schedule, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (link_id) DO UPDATE SET schedule = excluded.schedule, created_at = excluded.created_at",
        params![link_id, json, now_rfc3339()],
    )?;
    schedule_info(store, link_id)
}

/// Whether the link's scheduled Auto Sync is due at `now` (one catch-up run after a miss).
pub fn is_due(store: &Store, link_id: i64, now: time::OffsetDateTime) -> Result<bool> {
    let Some(SavedSchedule {
        schedule,
        created: Some(created),
        last_run,
    }) = saved_schedule(store, link_id)?
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

/// Which schedules are on and which run comes next, over every link: whether the app keeps
/// running in the tray when its window closes, and what the tray's menu says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overview {
    /// The links whose schedule is on.
    pub on: Vec<i64>,
    /// The soonest next run among them (UTC), and what it is for ("RingCentral", with the
    /// business unit when there are several).
    pub next: Option<(String, OffsetDateTime)>,
}

impl Overview {
    pub fn any_on(&self) -> bool {
        !self.on.is_empty()
    }

    /// [`Overview::next_run_label`] now, in the local time zone the schedules use.
    pub fn next_run_label_now(&self) -> String {
        self.next_run_label(OffsetDateTime::now_utc(), local_offset())
    }

    /// The tray menu's line about the next run, in local time (`offset`): "Next Auto Sync: 14:30
    /// (RingCentral)", with the day when it is not today, "due now" when its time has come (it
    /// starts at the schedule loop's next look).
    pub fn next_run_label(&self, now: OffsetDateTime, offset: UtcOffset) -> String {
        let Some((name, at)) = &self.next else {
            return "No Auto Sync scheduled".to_owned();
        };
        let at = *at;
        if at <= now {
            return format!("Next Auto Sync: due now ({name})");
        }
        let (at, now) = (at.to_offset(offset), now.to_offset(offset));
        let when = if at.date() == now.date() {
            at.format(time::macros::format_description!("[hour]:[minute]"))
        } else {
            at.format(time::macros::format_description!(
                "[weekday repr:short] [day padding:none] [month repr:short], [hour]:[minute]"
            ))
        };
        format!("Next Auto Sync: {} ({name})", when.unwrap_or_default())
    }
}

/// Whether any schedule is on, and the soonest next run.
pub fn overview(store: &Store) -> Result<Overview> {
    let offset = local_offset();
    let mut overview = Overview::default();
    let links = crate::mapping::links::list(store)?;
    let several_units = links
        .iter()
        .any(|l| l.cxone_connection_id != links[0].cxone_connection_id);
    for link in &links {
        let Some(saved) = saved_schedule(store, link.id)? else {
            continue;
        };
        if saved.schedule == Schedule::Off {
            continue;
        }
        overview.on.push(link.id);
        if let Some(at) = saved.next_run(offset) {
            let sooner = match &overview.next {
                Some((_, soonest)) => at < *soonest,
                None => true,
            };
            if sooner {
                overview.next = Some((target_label(link, several_units), at));
            }
        }
    }
    Ok(overview)
}

/// What a schedule is for, as the tray and notifications say it: "RingCentral", or with several
/// business units "RingCentral, Demo Contact Center (4600002)".
pub fn target_label(link: &MappingLink, several_units: bool) -> String {
    let platform = crate::mapping::auto_sync::platform_label(link.platform);
    if several_units {
        format!("{platform}, {}", link.business_unit)
    } else {
        platform.to_owned()
    }
}

/// The desktop notification of an Auto Sync that failed away from the window (`scheduled`, or
/// started from the tray): its title and the error's sentence. `target` from [`target_label`].
pub fn failure_notice(target: &str, scheduled: bool, error: &Error) -> (String, String) {
    let platform = target;
    let title = if scheduled {
        format!("Scheduled Auto Sync failed — {platform}")
    } else {
        format!("Auto Sync failed — {platform}")
    };
    (title, error.to_string())
}

/// Records that the scheduled run ran at `at`, and its error sentence if it failed.
pub fn record_scheduled_run(store: &Store, link_id: i64, at: &str, error: Option<&str>) -> Result<()> {
    store.conn().execute(
        "UPDATE auto_sync_schedules SET last_run = ?2 WHERE link_id = ?1",
        params![link_id, at],
    )?;
    store.set_setting(&last_error_key(link_id), error.unwrap_or(""))
}

/// Where the last scheduled run's error is kept (a setting; migration 0009 moved the per-platform ones).
fn last_error_key(link_id: i64) -> String {
    format!("mapping.schedule.link.{link_id}.last_error")
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

#[cfg(test)]
mod overview_tests {
    use super::*;
    use crate::mapping::links::testing::unit_link;
    use crate::vendor::directory::Platform;
    use time::macros::datetime;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("ccsync.sqlite3")).unwrap();
        (dir, store)
    }

    #[test]
    fn no_schedule_is_on_in_a_new_store() {
        let (_dir, store) = store();
        let overview = overview(&store).unwrap();
        assert!(!overview.any_on());
        assert_eq!(overview.next, None);
        assert_eq!(
            overview.next_run_label(datetime!(2026-11-21 10:00 UTC), UtcOffset::UTC),
            "No Auto Sync scheduled"
        );
    }

    #[test]
    fn the_soonest_next_run_over_every_link_whose_schedule_is_on() {
        let (_dir, store) = store();
        let rc = unit_link(&store, 4600001, Platform::Ringcentral, "RC").id;
        let webex = unit_link(&store, 4600001, Platform::Webex, "Webex").id;
        set_schedule(&store, rc, &Schedule::EveryMinutes { minutes: 30 }).unwrap();
        set_schedule(&store, webex, &Schedule::Hourly).unwrap();
        record_scheduled_run(&store, rc, "2026-11-21T10:00:00Z", None).unwrap();
        record_scheduled_run(&store, webex, "2026-11-21T10:15:00Z", Some("Webex said no.")).unwrap();
        assert_eq!(
            schedule_info(&store, webex).unwrap().last_error.as_deref(),
            Some("Webex said no.")
        );
        assert_eq!(schedule_info(&store, rc).unwrap().last_error, None);

        let both = overview(&store).unwrap();
        assert!(both.any_on());
        assert_eq!(both.on, vec![rc, webex]);
        // One business unit: the tray names the platform only.
        assert_eq!(both.next, Some(("RingCentral".into(), datetime!(2026-11-21 10:30 UTC))));

        // RingCentral off: Webex's run is the next, and RingCentral no longer counts as on.
        set_schedule(&store, rc, &Schedule::Off).unwrap();
        let only_webex = overview(&store).unwrap();
        assert_eq!(only_webex.on, vec![webex]);
        assert_eq!(only_webex.next, Some(("Webex".into(), datetime!(2026-11-21 11:15 UTC))));

        // A second unit's schedule is its own, and with two units the unit is named.
        let west = unit_link(&store, 4600002, Platform::Webex, "Webex West").id;
        set_schedule(&store, west, &Schedule::EveryMinutes { minutes: 5 }).unwrap();
        record_scheduled_run(&store, west, "2026-11-21T10:00:00Z", None).unwrap();
        let two = overview(&store).unwrap();
        assert_eq!(two.on, vec![webex, west]);
        assert_eq!(
            two.next,
            Some(("Webex, Unit 4600002 (4600002)".into(), datetime!(2026-11-21 10:05 UTC)))
        );
        assert_eq!(schedule_info(&store, webex).unwrap().schedule, Schedule::Hourly);

        set_schedule(&store, webex, &Schedule::Off).unwrap();
        set_schedule(&store, west, &Schedule::Off).unwrap();
        assert_eq!(overview(&store).unwrap(), Overview::default());
    }

    #[test]
    fn a_schedule_for_a_link_that_is_gone_is_refused() {
        let (_dir, store) = store();
        let error = set_schedule(&store, 99, &Schedule::Hourly).unwrap_err();
        assert!(error.to_string().contains("link is gone"), "{error}");
    }

    #[test]
    fn a_schedule_that_never_ran_counts_from_when_it_was_set() {
        let (_dir, store) = store();
        let webex = unit_link(&store, 4600001, Platform::Webex, "Webex").id;
        let before = OffsetDateTime::now_utc();
        set_schedule(&store, webex, &Schedule::EveryMinutes { minutes: 15 }).unwrap();
        let (target, at) = overview(&store).unwrap().next.unwrap();
        assert_eq!(target, "Webex");
        let from_now = at - before;
        assert!(
            from_now > Duration::minutes(14) && from_now <= Duration::minutes(15) + Duration::seconds(5),
            "{from_now}"
        );
    }

    #[test]
    fn the_tray_line_says_when_in_local_time() {
        let paris = UtcOffset::from_hms(1, 0, 0).unwrap();
        let now = datetime!(2026-11-21 10:00 UTC);
        let at = |next| Overview {
            on: vec![1],
            next: Some(("RingCentral".to_owned(), next)),
        };
        assert_eq!(
            at(datetime!(2026-11-21 13:30 UTC)).next_run_label(now, paris),
            "Next Auto Sync: 14:30 (RingCentral)"
        );
        // 23:30 UTC is already tomorrow in Paris.
        assert_eq!(
            at(datetime!(2026-11-21 23:30 UTC)).next_run_label(now, paris),
            "Next Auto Sync: Sun 22 Nov, 00:30 (RingCentral)"
        );
        assert_eq!(
            at(now).next_run_label(now, paris),
            "Next Auto Sync: due now (RingCentral)"
        );
    }

    #[test]
    fn a_failed_run_becomes_a_notice_with_its_sentence() {
        let error = Error::InvalidInput("Add a RingCentral connection under Connections.".into());
        let (title, body) = failure_notice("RingCentral", true, &error);
        assert_eq!(title, "Scheduled Auto Sync failed — RingCentral");
        assert_eq!(body, "Add a RingCentral connection under Connections.");
        let (title, _) = failure_notice("Webex, West (4600002)", false, &error);
        assert_eq!(title, "Auto Sync failed — Webex, West (4600002)");
    }
}
