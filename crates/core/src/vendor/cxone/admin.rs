//! The CXone Admin API lists CC Sync pulls (agents, campaigns or skills, dispositions, unavailable
//! codes), read page by page with `skip` / `top`, several pages in flight when the total is known,
//! tolerant of the API's versions (external-apis.md §2).

use std::collections::{BTreeMap, HashSet};

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use super::records::{as_u64, normalize, FetchedRecord};
use super::session::CxoneSession;
use crate::model::Entity;
use crate::progress::{self, Progress};
use crate::{Error, Result};

/// How to read a list.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    pub page_size: u32,
    /// Pages in flight at once when `totalRecords` is known.
    pub concurrency: usize,
    /// Only records changed since this time (the previous run's `lastPollTime`).
    pub updated_since: Option<String>,
    /// The agents endpoint's name for it: `updateSince` on v34, `updatedSince` on older versions.
    pub agents_since_param: String,
    pub campaigns_from_skills: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            page_size: 1000,
            concurrency: 4,
            updated_since: None,
            agents_since_param: "updateSince".into(),
            campaigns_from_skills: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct FetchOutcome {
    pub records: Vec<FetchedRecord>,
    pub last_poll_time: Option<String>,
    pub incremental: bool,
    pub notes: Vec<String>,
}

/// Where an entity lives and what its list is called.
struct Endpoint {
    path: &'static str,
    collection: &'static str,
    /// The incremental parameter, when the endpoint has one.
    since_param: Option<String>,
    label: &'static str,
}

fn endpoint(entity: Entity, options: &FetchOptions) -> Endpoint {
    match entity {
        Entity::Users => Endpoint {
            path: "agents",
            collection: "agents",
            since_param: Some(options.agents_since_param.clone()),
            label: "agents",
        },
        Entity::Campaigns if options.campaigns_from_skills => Endpoint {
            path: "skills",
            collection: "skills",
            since_param: Some("updatedSince".into()),
            label: "skills",
        },
        Entity::Campaigns => Endpoint {
            path: "campaigns",
            collection: "campaigns",
            since_param: None,
            label: "campaigns",
        },
        Entity::Dispositions => Endpoint {
            path: "dispositions",
            collection: "dispositions",
            since_param: Some("updatedSince".into()),
            label: "dispositions",
        },
        Entity::AgentStatuses => Endpoint {
            path: "unavailable-codes",
            collection: "unavailableCodes",
            since_param: None,
            label: "unavailable codes",
        },
    }
}

struct Page {
    records: Vec<FetchedRecord>,
    /// Items on the page as sent, before any without an id were dropped: what paging counts.
    item_count: u64,
    total_records: Option<u64>,
    last_poll_time: Option<String>,
    has_next: bool,
}

/// Reads every page of `entity` and returns each record once.
pub async fn fetch(
    session: &CxoneSession,
    entity: Entity,
    options: &FetchOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
) -> Result<FetchOutcome> {
    let mut records = Vec::new();
    let mut outcome = fetch_pages(session, entity, options, progress, cancel, &mut |page| {
        records.extend(page);
        Ok(())
    })
    .await?;
    outcome.records = records;
    Ok(outcome)
}

/// Reads every page of `entity`, handing each page's records to `sink` as soon as it arrives
/// (each record once), so a caller can write while later pages are still on their way. The
/// returned outcome carries no records.
pub async fn fetch_pages(
    session: &CxoneSession,
    entity: Entity,
    options: &FetchOptions,
    progress: &dyn Progress,
    cancel: &CancellationToken,
    sink: &mut (dyn FnMut(Vec<FetchedRecord>) -> Result<()> + Send),
) -> Result<FetchOutcome> {
    let endpoint = endpoint(entity, options);
    let incremental = options.updated_since.is_some() && endpoint.since_param.is_some();
    let top = options.page_size.max(1) as u64;
    let mut outcome = FetchOutcome {
        incremental,
        ..FetchOutcome::default()
    };
    let mut seen = HashSet::new();
    let mut keep = |records: Vec<FetchedRecord>| -> Result<u64> {
        let fresh: Vec<FetchedRecord> = records.into_iter().filter(|r| seen.insert(r.id.clone())).collect();
        sink(fresh)?;
        Ok(seen.len() as u64)
    };

    let first = fetch_page(session, entity, &endpoint, options, 0, top, cancel).await?;
    let first_total = first.total_records;
    // A server may cap the page size below what was asked: page by what it really sends.
    let step = if first.item_count > 0 && first.item_count < top && first_total.is_some_and(|t| t > first.item_count) {
        first.item_count
    } else {
        top
    };
    outcome.last_poll_time = first.last_poll_time.clone();
    let full_page = |page: &Page| page.has_next && page.item_count == step;
    let mut next_skip = step;
    let mut more = full_page(&first);
    let mut latest_total = first_total;
    let count = keep(first.records)?;
    progress.report(progress::event("fetching", count, first_total));
    let mut totals_seen = vec![first_total];

    // Known total: the remaining pages in parallel, in order.
    if let Some(total) = first_total.filter(|&t| t > step) {
        let skips: Vec<u64> = (1..).map(|i| i * step).take_while(|&s| s < total).collect();
        next_skip = skips.last().copied().unwrap_or(0) + step;
        let mut pages = stream::iter(skips)
            .map(|skip| fetch_page(session, entity, &endpoint, options, skip, step, cancel))
            .buffered(options.concurrency.max(1));
        while let Some(page) = pages.try_next().await? {
            more = full_page(&page);
            latest_total = page.total_records.or(latest_total);
            totals_seen.push(page.total_records);
            let count = keep(page.records)?;
            progress.report(progress::event("fetching", count, first_total));
        }
    }
    // Unknown total, or records added while paging: follow on until a short page (or the total).
    while more && latest_total.is_none_or(|t| next_skip < t) {
        let page = fetch_page(session, entity, &endpoint, options, next_skip, step, cancel).await?;
        more = full_page(&page);
        latest_total = page.total_records.or(latest_total);
        next_skip += step;
        totals_seen.push(page.total_records);
        let count = keep(page.records)?;
        progress.report(progress::event("fetching", count, first_total));
    }

    // The data changed while we paged: say so, and read every page once more so nothing that
    // shifted between pages is missed (ids already seen are not taken twice).
    let distinct: HashSet<_> = totals_seen.iter().flatten().collect();
    if distinct.len() > 1 {
        let (min, max) = (distinct.iter().min().unwrap(), distinct.iter().max().unwrap());
        outcome.notes.push(format!(
            "CXone's count of {} changed during the pull (from {min} to {max}); every page was read again to catch records that moved.",
            endpoint.label
        ));
        let mut skip = 0;
        loop {
            let page = fetch_page(session, entity, &endpoint, options, skip, step, cancel).await?;
            let short = page.item_count != step || !page.has_next;
            keep(page.records)?;
            if short {
                break;
            }
            skip += step;
        }
    }
    Ok(outcome)
}

/// One page, with a retry when the body arrives cut short (a transient transfer failure).
async fn fetch_page(
    session: &CxoneSession,
    entity: Entity,
    endpoint: &Endpoint,
    options: &FetchOptions,
    skip: u64,
    top: u64,
    cancel: &CancellationToken,
) -> Result<Page> {
    let mut url = session.admin_url(endpoint.path)?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("skip", &skip.to_string())
            .append_pair("top", &top.to_string());
        if let (Some(param), Some(since)) = (&endpoint.since_param, &options.updated_since) {
            query.append_pair(param, since);
        }
    }
    let mut attempts = 0;
    loop {
        attempts += 1;
        let answer = session.get(&url, endpoint.label, cancel).await?;
        match answer.status.as_u16() {
            204 => {
                // "No records" says nothing about the total (a last page can be empty too).
                return Ok(Page {
                    records: Vec::new(),
                    item_count: 0,
                    total_records: None,
                    last_poll_time: None,
                    has_next: false,
                });
            }
            200 => {}
            401 | 403 => {
                return Err(Error::AuthFailed(format!(
                "CXone refused to list {} (HTTP {}): the API user's security profile needs permission to view them.",
                endpoint.label,
                answer.status.as_u16()
            )))
            }
            status => {
                return Err(Error::UnexpectedResponse(format!(
                    "CXone answered the {} request with HTTP {status}{}.",
                    endpoint.label,
                    error_text(&answer.body).map(|t| format!(": {t}")).unwrap_or_default()
                )))
            }
        }
        match parse_page(entity, endpoint, &answer.body) {
            Some(page) => return Ok(page),
            None if attempts < session.policy.max_attempts => {
                tracing::info!(what = endpoint.label, skip, "unreadable page, reading it again");
            }
            None => {
                return Err(Error::UnexpectedResponse(format!(
                    "CXone's answer to the {} request (records {skip}–{}) could not be read: the JSON was cut short or malformed {attempts} times in a row.",
                    endpoint.label,
                    skip + top
                )))
            }
        }
    }
}

/// The sentence in a CXone error body, whichever of its shapes it uses.
fn error_text(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    [
        "error_description",
        "errorDescription",
        "errorMessage",
        "message",
        "error",
    ]
    .iter()
    .find_map(|key| value.get(key).and_then(Value::as_str).map(str::to_owned))
}

fn parse_page(entity: Entity, endpoint: &Endpoint, body: &str) -> Option<Page> {
    // Items stay raw until each is read, so the JSON CXone sent is kept without re-serializing it.
    let top: BTreeMap<String, Box<RawValue>> = serde_json::from_str(body).ok()?;
    // v7–v20 wrap the envelope in `resultSet`.
    let wrapped: Option<BTreeMap<String, Box<RawValue>>> =
        raw_ci(&top, "resultSet").and_then(|r| serde_json::from_str(r.get()).ok());
    let envelope = wrapped.as_ref().unwrap_or(&top);
    let items: Vec<&RawValue> = serde_json::from_str(raw_ci(envelope, endpoint.collection)?.get()).ok()?;
    let item_count = items.len() as u64;
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        let object: Map<String, Value> = serde_json::from_str(item.get()).ok()?;
        records.extend(normalize(entity, &object, item.get()));
    }
    let scalar = |key: &str| raw_ci(envelope, key).and_then(|r| serde_json::from_str::<Value>(r.get()).ok());
    let has_next = match raw_ci(envelope, "_links").and_then(|r| serde_json::from_str::<Value>(r.get()).ok()) {
        Some(links) => links
            .get("next")
            .and_then(Value::as_str)
            .is_some_and(|next| !next.is_empty()),
        // No _links at all (campaigns in v34): only the page size tells.
        None => true,
    };
    Some(Page {
        records,
        item_count,
        total_records: scalar("totalRecords").as_ref().and_then(as_u64),
        last_poll_time: scalar("lastPollTime").and_then(|v| v.as_str().map(str::to_owned)),
        has_next,
    })
}

/// A key looked up exactly, then case-insensitively (field names changed case between versions).
fn raw_ci<'a>(object: &'a BTreeMap<String, Box<RawValue>>, key: &str) -> Option<&'a RawValue> {
    object
        .get(key)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        .map(|v| &**v)
}
