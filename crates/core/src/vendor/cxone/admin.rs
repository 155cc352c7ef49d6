//! The CXone Admin API lists CC Sync pulls (agents, campaigns or skills, dispositions, unavailable
//! codes), read page by page with `skip` / `top`, several pages in flight when the total is known,
//! tolerant of the API's versions (external-apis.md §2).
//!
//! Paging is bounded: a page that brings no record not already read (a server ignoring `skip`)
//! ends the pull with an error, as does going past a cap derived from the reported total
//! ([`http::page_cap`]); a `_links.next` on another origin than the API's fails the pull. A list
//! that reports no total (legacy unavailable codes) is read until an empty page or 204, advancing
//! by what each page really held — a short page may only mean the server caps `top`.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::records::{as_u64, normalize, FetchedRecord, Item, RawJson};
use super::session::CxoneSession;
use crate::model::Entity;
use crate::progress::{self, Progress};
use crate::vendor::http;
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
    /// `_links.next` said there is (Some(true)) or is not (Some(false)) a next page; None when
    /// the page has no `_links` (campaigns in v34, legacy unavailable codes).
    has_next: Option<bool>,
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
    // Hands a page's records on, each id once; returns how many were new.
    let mut keep = |records: Vec<FetchedRecord>| -> Result<(usize, u64)> {
        let before = seen.len();
        let fresh: Vec<FetchedRecord> = records.into_iter().filter(|r| seen.insert(r.id.clone())).collect();
        sink(fresh)?;
        Ok((seen.len() - before, seen.len() as u64))
    };
    let mut pages_read = 1u64;

    let first = fetch_page(session, entity, &endpoint, options, 0, top, cancel).await?;
    let first_total = first.total_records;
    // A server may cap the page size below what was asked: page by what it really sends. Without
    // a total a short first page may be that cap too, and the next (empty) page tells.
    let step = if first.item_count > 0 && first.item_count < top && first_total.is_none_or(|t| t > first.item_count) {
        first.item_count
    } else {
        top
    };
    outcome.last_poll_time = first.last_poll_time.clone();
    let (first_count, first_more) = (first.item_count, first.has_next);
    let first_full = first.has_next.unwrap_or(true) && first.item_count == step;
    let (_, count) = keep(first.records)?;
    progress.report(progress::event("fetching", count, first_total));
    let mut totals_seen = vec![first_total];
    let largest_total = |totals: &[Option<u64>]| totals.iter().flatten().copied().max();

    if let Some(total) = first_total {
        let full_page = |page: &Page| page.has_next.unwrap_or(true) && page.item_count == step;
        let mut next_skip = step;
        let mut more = first_full;
        let mut latest_total = total;
        // Known total: the remaining pages in parallel, in order.
        if total > step {
            let skips: Vec<u64> = (1..).map(|i| i * step).take_while(|&s| s < total).collect();
            next_skip = skips.last().copied().unwrap_or(0) + step;
            let endpoint = &endpoint;
            let mut pages = stream::iter(skips)
                .map(|skip| async move {
                    let page = fetch_page(session, entity, endpoint, options, skip, step, cancel).await?;
                    Ok::<_, Error>((skip, page))
                })
                .buffered(options.concurrency.max(1));
            while let Some((skip, page)) = pages.try_next().await? {
                more = full_page(&page);
                latest_total = page.total_records.unwrap_or(latest_total);
                totals_seen.push(page.total_records);
                let on_page = page.records.len();
                let (fresh, count) = keep(page.records)?;
                pages_read += 1;
                bound(
                    endpoint,
                    skip,
                    step,
                    on_page,
                    fresh,
                    pages_read,
                    largest_total(&totals_seen),
                )?;
                progress.report(progress::event("fetching", count, first_total));
            }
        }
        // Records added while paging: follow on until a short page (or the total).
        while more && next_skip < latest_total {
            let page = fetch_page(session, entity, &endpoint, options, next_skip, step, cancel).await?;
            more = full_page(&page);
            latest_total = page.total_records.unwrap_or(latest_total);
            totals_seen.push(page.total_records);
            let on_page = page.records.len();
            let (fresh, count) = keep(page.records)?;
            pages_read += 1;
            bound(
                &endpoint,
                next_skip,
                step,
                on_page,
                fresh,
                pages_read,
                largest_total(&totals_seen),
            )?;
            next_skip += step;
            progress.report(progress::event("fetching", count, first_total));
        }
    } else {
        // No total: read on until an empty page (204) or `_links` saying there is no next one,
        // advancing by what each page held.
        let mut more = first_count > 0 && first_more != Some(false);
        let mut next_skip = first_count;
        while more {
            let page = fetch_page(session, entity, &endpoint, options, next_skip, step, cancel).await?;
            more = page.item_count > 0 && page.has_next != Some(false);
            totals_seen.push(page.total_records);
            let on_page = page.records.len();
            let (fresh, count) = keep(page.records)?;
            pages_read += 1;
            bound(
                &endpoint,
                next_skip,
                step,
                on_page,
                fresh,
                pages_read,
                largest_total(&totals_seen),
            )?;
            next_skip += page.item_count;
            progress.report(progress::event("fetching", count, None));
        }
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
        let cap = http::page_cap(**max, step);
        let mut skip = 0;
        let mut pages = 0;
        loop {
            let page = fetch_page(session, entity, &endpoint, options, skip, step, cancel).await?;
            let short = page.item_count != step || page.has_next == Some(false);
            keep(page.records)?;
            pages += 1;
            if short {
                break;
            }
            if pages >= cap {
                return Err(too_many_pages(&endpoint, cap, Some(**max)));
            }
            skip += step;
        }
    }
    Ok(outcome)
}

/// Ends a pull whose server pages without end: a page of records all read before (it ignores
/// `skip`), or more pages than the reported total can take.
fn bound(
    endpoint: &Endpoint,
    skip: u64,
    step: u64,
    on_page: usize,
    fresh: usize,
    pages_read: u64,
    total: Option<u64>,
) -> Result<()> {
    if on_page > 0 && fresh == 0 {
        return Err(Error::UnexpectedResponse(format!(
            "CXone sent the same {} again when asked for records {skip}–{} (it seems to ignore `skip`). CC Sync \
             stopped rather than read the same page forever; nothing was written. Try again later; if it persists, \
             contact NICE support.",
            endpoint.label,
            skip + step
        )));
    }
    let cap = total.map_or(http::MAX_PAGES_WITHOUT_TOTAL, |t| http::page_cap(t, step));
    if pages_read > cap {
        return Err(too_many_pages(endpoint, cap, total));
    }
    Ok(())
}

fn too_many_pages(endpoint: &Endpoint, cap: u64, total: Option<u64>) -> Error {
    Error::UnexpectedResponse(format!(
        "CXone's list of {} went on past {cap} pages{}. CC Sync stopped rather than page forever; nothing was \
         written. Try again later; if it persists, contact NICE support.",
        endpoint.label,
        total
            .map(|t| format!(" although it reported {t} records"))
            .unwrap_or_default()
    ))
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
                    has_next: Some(false),
                });
            }
            200 => {}
            // The session already signed in again once; a 401 it hands back is a refused token.
            401 => return Err(super::session::token_refused(endpoint.label)),
            403 => {
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
        // Parsed on a blocking thread: the other pages in flight keep downloading meanwhile, and
        // on the other core.
        let collection = endpoint.collection;
        let parsed = tokio::task::spawn_blocking(move || parse_page(entity, collection, answer.body))
            .await
            .map_err(|e| Error::Internal(format!("reading a page failed: {e}")))?;
        match parsed {
            Some((page, next)) => {
                // Pages are asked for by `skip`; a next link the server gives must still be its own.
                if let Some(next) = next.and_then(|n| url.join(&n).ok()) {
                    http::check_same_origin(&next, &url, &format!("CXone's list of {}", endpoint.label))?;
                }
                return Ok(page);
            }
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

/// A page and its `_links.next`, if it gives one.
fn parse_page(entity: Entity, collection: &str, body: String) -> Option<(Page, Option<String>)> {
    // Items stay raw until each is read; each record keeps its span of the page as its JSON,
    // exactly as CXone sent it, without a copy.
    let page = Arc::new(body);
    let body = page.as_str();
    let top: BTreeMap<String, &RawValue> = serde_json::from_str(body).ok()?;
    // v7–v20 wrap the envelope in `resultSet`.
    let wrapped: Option<BTreeMap<String, &RawValue>> =
        raw_ci(&top, "resultSet").and_then(|r| serde_json::from_str(r.get()).ok());
    let envelope = wrapped.as_ref().unwrap_or(&top);
    let items: Vec<&RawValue> = serde_json::from_str(raw_ci(envelope, collection)?.get()).ok()?;
    let item_count = items.len() as u64;
    let mut records = Vec::with_capacity(items.len());
    for item in items {
        let raw = RawJson::new(page.clone(), span_of(body, item.get())?)?;
        // An item that is not an object makes the page unreadable.
        records.extend(normalize(entity, &Item::parse(item.get())?, raw));
    }
    let scalar = |key: &str| raw_ci(envelope, key).and_then(|r| serde_json::from_str::<Value>(r.get()).ok());
    let next = raw_ci(envelope, "_links")
        .and_then(|r| serde_json::from_str::<Value>(r.get()).ok())
        .map(|links| {
            links
                .get("next")
                .and_then(Value::as_str)
                .filter(|next| !next.is_empty())
                .map(str::to_owned)
        });
    // No _links at all (campaigns in v34): only the page size (or the total) tells.
    let has_next = next.as_ref().map(Option::is_some);
    let page = Page {
        records,
        item_count,
        total_records: scalar("totalRecords").as_ref().and_then(as_u64),
        last_poll_time: scalar("lastPollTime").and_then(|v| v.as_str().map(str::to_owned)),
        has_next,
    };
    Some((page, next.flatten()))
}

/// A key looked up exactly, then case-insensitively (field names changed case between versions).
fn raw_ci<'a>(object: &BTreeMap<String, &'a RawValue>, key: &str) -> Option<&'a RawValue> {
    object
        .get(key)
        .or_else(|| object.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
        .copied()
}

/// Where `part`, a slice of `whole`, lies in it.
fn span_of(whole: &str, part: &str) -> Option<std::ops::Range<usize>> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    let end = start.checked_add(part.len())?;
    (end <= whole.len()).then_some(start..end)
}
