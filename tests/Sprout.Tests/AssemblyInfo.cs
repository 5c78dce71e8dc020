// The global seed (Rng.Seed) is process-wide state that several tests set; run test classes one at a time so
// that one test's seeding cannot interleave with another's draws. Tests that race threads do so internally.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
