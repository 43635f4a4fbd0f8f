// Every test starts real halond processes; on a 2-core machine, running them one at a time keeps the protocol's
// 10 ms ticks honest and the run predictable. Each test still finishes in seconds.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
