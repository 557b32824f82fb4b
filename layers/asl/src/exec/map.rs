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
        // Not implemented yet: refuse rather than run the Map over the wrong items.
        if map.item_reader.is_some() || map.item_batcher.is_some() {
            return Err(StatesError::runtime(format!(
                "The Map state '{}' uses ItemReader or ItemBatcher, which soar's engine does not run yet",
                state.name
            )));
        }
        let items = self.map_items(map, raw_input, &effective, sctx, variables)?;
        let ctx = LazyContext::new(&self.context, sctx);
        let number = |d: &Option<Dynamic>, field: &str| -> Result<Option<f64>, StatesError> {
            match d {
                None => Ok(None),
                Some(d) => {
                    let v = dynamic(d, field, raw_input, &effective, &ctx, variables)?;
                    // AWS also accepts a numeric string here (a `MaxConcurrencyPath` variable holding "1").
                    let n = v
                        .as_f64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse::<f64>().ok()));
                    n.filter(|n| *n >= 0.0).map(Some).ok_or_else(|| match d {
                        Dynamic::Jsonata(_) => StatesError::query(format!(
                            "The {field} field must evaluate to a non-negative number, but was {v}"
                        )),
                        _ => StatesError::runtime(format!(
                            "The {field} field must be a non-negative number, but was {v}"
                        )),
                    })
                }
            }
        };
        let max_concurrency =
            number(&map.max_concurrency, "MaxConcurrency")?.map_or(0, |n| n as usize);
        let tolerated_count = number(&map.tolerated_failure_count, "ToleratedFailureCount")?;
        let tolerated_percentage = number(
            &map.tolerated_failure_percentage,
            "ToleratedFailurePercentage",
        )?;
        let tolerates_failures = tolerated_count.is_some_and(|c| c > 0.0)
            || tolerated_percentage.is_some_and(|p| p > 0.0);

        // ItemSelector: evaluated per item, with `$$.Map.Item.Index` and `$$.Map.Item.Value`.
        let mut inputs = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let item_ctx = StateContext {
                map_item: Some((index, item.clone())),
                ..sctx.clone()
            };
            let lazy = LazyContext::new(&self.context, &item_ctx);
            let input = if let Some(t) = &map.item_selector {
                t.eval(&StateScope {
                    input: &effective,
                    context: &lazy,
                    variables,
                })?
            } else if let Some(t) = &map.item_selector_jsonata {
                t.eval(&states_binding(&lazy, raw_input, None, None), variables)?
            } else {
                item.clone()
            };
            inputs.push(input);
        }

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
        let outcome: Result<Vec<Value>, StatesError> = if tolerates_failures {
            self.tolerant(
                iterations,
                concurrency,
                length,
                tolerated_count,
                tolerated_percentage,
            )
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
        count: Option<f64>,
        percentage: Option<f64>,
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
                    let over_count = count.is_some_and(|c| failures as f64 > c);
                    let over_pct = percentage
                        .is_some_and(|p| failures as f64 * 100.0 / length.max(1) as f64 > p);
                    if (count.is_none() || over_count) && (percentage.is_none() || over_pct) {
                        return Err(StatesError::new(
                            names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
                            "The specified tolerated failure threshold was exceeded",
                        ));
                    }
                    results.push(e.to_error_output());
                }
            }
        }
        Ok(results)
    }

    fn map_items(
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
