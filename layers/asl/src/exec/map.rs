//! Parallel and Map states: branches and iterations run as concurrent futures of one execution, results
//! in order, the first unhandled failure stopping the rest.

use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};

use super::context::{LazyContext, StateContext, StateScope};
use super::io::{dynamic, no_results, states_binding};
use super::run::{Run, failed};
use crate::Value;
use crate::definition::model::{Dynamic, Machine, MapState, OptPath, State};
use crate::error::{StatesError, names};
use crate::exec::jsonata_glue::EvalExt;
use crate::history::Details;

impl Run {
    /// "The Parallel state causes the interpreter to execute each branch ... as concurrently as possible
    /// ... the Parallel state's result is an array containing one element for each branch, in order."
    pub(crate) async fn parallel(
        self: &Arc<Self>,
        branches: &[Arc<Machine>],
        input: Value,
        variables: &Value,
        last: &mut u64,
    ) -> Result<Value, StatesError> {
        let started = self.record(*last, "ParallelStateStarted", || Details::None)?;
        *last = started;
        let runs = branches.iter().map(|branch| {
            let input = input.clone();
            let variables = variables.clone();
            async move {
                let mut branch_last = started;
                self.run_machine(branch, input, variables, &mut branch_last)
                    .await
            }
        });
        // "If any branch fails, because of an unhandled error or by transitioning to a Fail state, the
        // entire Parallel state is considered to have failed and all its branches are stopped."
        let results = futures::future::try_join_all(runs).await;
        match results {
            Ok(outputs) => {
                *last = self.record(*last, "ParallelStateSucceeded", || Details::None)?;
                Ok(Value::from_vec(outputs))
            }
            Err(e) => {
                *last = self.record(*last, "ParallelStateFailed", || {
                    failed("parallelStateFailedEventDetails", &e, None)
                })?;
                Err(e)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn map(
        self: &Arc<Self>,
        state: &State,
        map: &MapState,
        raw_input: &Value,
        effective: Value,
        sctx: &StateContext,
        variables: &Value,
        last: &mut u64,
    ) -> Result<Value, StatesError> {
        if map.distributed {
            return self
                .distributed_map(state, map, raw_input, effective, sctx, variables, last)
                .await;
        }
        let items = self.map_items(map, raw_input, &effective, sctx, variables)?;
        let ctx = LazyContext::new(&self.context, sctx);
        let max_concurrency = match &map.max_concurrency {
            None => 0,
            Some(d) => {
                let v = dynamic(d, "MaxConcurrency", raw_input, &effective, &ctx, variables)?;
                // AWS also accepts a numeric string here (a `MaxConcurrencyPath` variable holding "1").
                let n = v
                    .as_f64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()));
                match n.filter(|n| *n >= 0.0) {
                    Some(n) => n as usize,
                    None => {
                        return Err(match d {
                            Dynamic::Jsonata(_) => StatesError::query(format!(
                                "The MaxConcurrency field must evaluate to a non-negative number, but was {v}"
                            )),
                            _ => StatesError::runtime(format!(
                                "The MaxConcurrency field must be a non-negative number, but was {v}"
                            )),
                        });
                    }
                }
            }
        };
        let tolerance = Tolerance::evaluate(map, raw_input, &effective, &ctx, variables)?;
        let inputs = self.select_items(map, items, raw_input, &effective, sctx, variables)?;
        let length = inputs.len();
        let started = self.record(*last, "MapStateStarted", || Details::MapStateStarted {
            length,
        })?;
        *last = started;
        let name = state.name.clone();
        let iterations = inputs.into_iter().enumerate().map(|(index, input)| {
            let variables = variables.clone();
            let name = name.clone();
            async move {
                let mut it_last =
                    self.record(started, "MapIterationStarted", || Details::MapIteration {
                        key: "mapIterationStartedEventDetails",
                        name: name.clone(),
                        index,
                    })?;
                let outcome = self
                    .run_machine(&map.processor, input, variables, &mut it_last)
                    .await;
                let (ty, key) = match outcome {
                    Ok(_) => ("MapIterationSucceeded", "mapIterationSucceededEventDetails"),
                    Err(_) => ("MapIterationFailed", "mapIterationFailedEventDetails"),
                };
                self.record(it_last, ty, || Details::MapIteration { key, name, index })?;
                Ok::<_, StatesError>(outcome)
            }
        });
        let concurrency = if max_concurrency == 0 {
            usize::MAX
        } else {
            max_concurrency
        };
        let outcome: Result<Vec<Value>, StatesError> = if tolerance.tolerates_any() {
            self.tolerant(iterations, concurrency, length, &tolerance)
                .await
        } else {
            stream::iter(iterations)
                .buffered(concurrency)
                .map(|r| r.and_then(|inner| inner))
                .try_collect()
                .await
        };
        match outcome {
            Ok(results) => {
                *last = self.record(*last, "MapStateSucceeded", || Details::None)?;
                Ok(Value::from_vec(results))
            }
            Err(e) => {
                *last = self.record(*last, "MapStateFailed", || {
                    failed("mapStateFailedEventDetails", &e, None)
                })?;
                Err(e)
            }
        }
    }

    /// Iterations under ToleratedFailureCount/Percentage: failed items are counted, not fatal, until the
    /// threshold is exceeded; a failed item's result is its error output.
    async fn tolerant<F>(
        &self,
        iterations: impl Iterator<Item = F>,
        concurrency: usize,
        length: usize,
        tolerance: &Tolerance,
    ) -> Result<Vec<Value>, StatesError>
    where
        F: Future<Output = Result<Result<Value, StatesError>, StatesError>>,
    {
        let mut results = Vec::with_capacity(length);
        let mut failures = 0usize;
        let mut stream = std::pin::pin!(stream::iter(iterations).buffered(concurrency));
        while let Some(r) = stream.next().await {
            match r? {
                Ok(v) => results.push(v),
                Err(e) => {
                    failures += 1;
                    if tolerance.exceeded(failures, length) {
                        return Err(Tolerance::exceeded_error());
                    }
                    results.push(e.to_error_output());
                }
            }
        }
        Ok(results)
    }

    /// Each item as its iteration's input: the item itself, or the ItemSelector evaluated with
    /// `$$.Map.Item.Index` and `$$.Map.Item.Value`.
    pub(super) fn select_items(
        &self,
        map: &MapState,
        items: Vec<Value>,
        raw_input: &Value,
        effective: &Value,
        sctx: &StateContext,
        variables: &Value,
    ) -> Result<Vec<Value>, StatesError> {
        if map.item_selector.is_none() && map.item_selector_jsonata.is_none() {
            return Ok(items);
        }
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let item_ctx = StateContext {
                map_item: Some((index, item)),
                ..sctx.clone()
            };
            let lazy = LazyContext::new(&self.context, &item_ctx);
            let input = if let Some(t) = &map.item_selector {
                t.eval(&StateScope {
                    input: effective,
                    context: &lazy,
                    variables,
                })?
            } else if let Some(t) = &map.item_selector_jsonata {
                t.eval(&states_binding(&lazy, raw_input, None, None), variables)?
            } else {
                unreachable!("checked above")
            };
            inputs.push(input);
        }
        Ok(inputs)
    }

    pub(super) fn map_items(
        &self,
        map: &MapState,
        raw_input: &Value,
        effective: &Value,
        sctx: &StateContext,
        variables: &Value,
    ) -> Result<Vec<Value>, StatesError> {
        let ctx = LazyContext::new(&self.context, sctx);
        let items = match &map.items {
            Some(Dynamic::Jsonata(t)) => t.eval_as(
                &states_binding(&ctx, raw_input, None, None),
                variables,
                "array",
            )?,
            Some(d) => dynamic(d, "Items", raw_input, effective, &ctx, variables)?,
            None => match &map.items_path {
                OptPath::Path(p) => p
                    .resolve(&StateScope {
                        input: effective,
                        context: &ctx,
                        variables,
                    })
                    .ok_or_else(|| no_results(p))?,
                _ => effective.clone(),
            },
        };
        match items.as_array() {
            Some(items) => Ok(items.clone()),
            None => Err(StatesError::runtime(format!(
                "Map state input must be an array, but the items were of type '{}': {}",
                items.type_name(),
                items
            ))),
        }
    }
}

/// ToleratedFailureCount / ToleratedFailurePercentage, checked the way AWS checks them.
pub(super) struct Tolerance {
    count: Option<u64>,
    percentage: Option<f64>,
}

impl Tolerance {
    /// Evaluates both fields; a bad value is a `States.Runtime` error in AWS's words.
    pub(super) fn evaluate(
        map: &MapState,
        raw_input: &Value,
        effective: &Value,
        ctx: &LazyContext<'_>,
        variables: &Value,
    ) -> Result<Tolerance, StatesError> {
        let count = match &map.tolerated_failure_count {
            None => None,
            Some(d) => {
                let v = dynamic(
                    d,
                    "ToleratedFailureCount",
                    raw_input,
                    effective,
                    ctx,
                    variables,
                )?;
                let n = whole_number(&v).ok_or_else(|| {
                    not_a_number(d, "ToleratedFailureCount", &v, "a valid integer")
                })?;
                if n < 0 {
                    return Err(StatesError::runtime(
                        "ToleratedFailureCount cannot be negative.",
                    ));
                }
                Some(n as u64)
            }
        };
        let percentage = match &map.tolerated_failure_percentage {
            None => None,
            Some(d) => {
                let v = dynamic(
                    d,
                    "ToleratedFailurePercentage",
                    raw_input,
                    effective,
                    ctx,
                    variables,
                )?;
                let p = number(&v).ok_or_else(|| {
                    not_a_number(d, "ToleratedFailurePercentage", &v, "a valid float")
                })?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(StatesError::runtime(
                        "ToleratedFailurePercentage must be between 0 and 100.",
                    ));
                }
                Some(p)
            }
        };
        Ok(Tolerance { count, percentage })
    }

    /// Whether any failure is tolerated at all.
    pub(super) fn tolerates_any(&self) -> bool {
        self.count.is_some_and(|c| c > 0) || self.percentage.is_some_and(|p| p > 0.0)
    }

    /// Whether `failures` of `total` items break the threshold: with no threshold set, any failure
    /// does; with both set, either one being passed does.
    pub(super) fn exceeded(&self, failures: usize, total: usize) -> bool {
        if self.count.is_none() && self.percentage.is_none() {
            return failures > 0;
        }
        let over_count = self.count.is_some_and(|c| failures as u64 > c);
        let over_percentage = self
            .percentage
            .is_some_and(|p| failures as f64 * 100.0 / total.max(1) as f64 > p);
        over_count || over_percentage
    }

    pub(super) fn exceeded_error() -> StatesError {
        StatesError::new(
            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
            "The specified tolerated failure threshold was exceeded",
        )
    }
}

/// A JSON number, or a string holding one (AWS reads `"1"` from a `...Path` as 1).
pub(super) fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()))
        .filter(|n| n.is_finite())
}

/// A whole number (1.0 counts, 1.5 does not).
pub(super) fn whole_number(v: &Value) -> Option<i64> {
    number(v).filter(|n| n.fract() == 0.0).map(|n| n as i64)
}

/// AWS's error for a `...Path` that points at something that is not a number.
pub(super) fn not_a_number(d: &Dynamic, field: &str, v: &Value, expected: &str) -> StatesError {
    let shown = v
        .as_str()
        .map_or_else(|| v.to_json_string(), str::to_string);
    match d {
        Dynamic::Path(p) => StatesError::runtime(format!(
            "The {field}Path field refers to value \"{shown}\" which is not {expected}: {}",
            p.text()
        )),
        Dynamic::Jsonata(_) => StatesError::query(format!(
            "The {field} field must evaluate to {expected}, but was {shown}"
        )),
        _ => StatesError::runtime(format!(
            "The {field} field must be {expected}, but was {shown}"
        )),
    }
}
