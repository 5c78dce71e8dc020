using System.Diagnostics;
using Sprout;
using Sprout.Data;
using Sprout.Distributed;
using Sprout.Init;
using Sprout.IO;
using Sprout.Nn;
using Sprout.Training;

// Usage (under mpirun -np 2): equivalence mlp|lenet [balanced] | checksum | twice | structure | dies | broadcast DIR | resume DIR | save-fails
//   | throughput mlp|lenet EPOCHS [GLOBAL-BATCH] [balanced] (balanced: the global batch split by the ranks' speeds, set after each epoch)
//   | allreduce FLOATS (the median time of one in-place all-reduce, after a barrier)
//   "plain": loss.Backward() and all reductions in Step, instead of DistributedTrainer.Backward's overlap (throughput: "overlap"
//   for the opposite; it measures plain by default). "buckets=N": the gradient bucket size.
var world = Communicator.World;
string scenario = args.Length > 0 ? args[0] : "";
// Throughput measures plain loss.Backward() unless asked: on one machine with a core per rank, starting reductions
// during the pass measured 4–5 % slower (they move only inside MPI calls, and non-blocking ones take a slower path).
Scenarios.PlainBackward = scenario == "throughput" ? !args.Contains("overlap") : args.Contains("plain");
if (args.FirstOrDefault(a => a.StartsWith("buckets=", StringComparison.Ordinal)) is { } buckets)
    Scenarios.BucketFloats = int.Parse(buckets["buckets=".Length..], System.Globalization.CultureInfo.InvariantCulture);
int code = scenario switch
{
    "equivalence" => Scenarios.Equivalence(world, args[1], balanced: args.Contains("balanced")),
    "checksum" => Scenarios.Checksum(world),
    "twice" => Scenarios.BackwardTwice(world),
    "structure" => Scenarios.Structure(world),
    "dies" => Scenarios.Dies(world),
    "broadcast" => Scenarios.Broadcast(world, args[1]),
    "resume" => Scenarios.Resume(world, args[1]),
    "save-fails" => Scenarios.SaveFails(world),
    "allreduce" => Scenarios.AllReduce(world, int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)),
    "throughput" => Scenarios.Throughput(world, args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture),
        args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 256, balanced: args.Contains("balanced")),
    _ => Fail($"unknown scenario '{scenario}'"),
};
world.Dispose();
return code;

static int Fail(string message)
{
    Console.Error.WriteLine(message);
    return 2;
}

static class Scenarios
{
    /// <summary>The median of 200 all-reduces of <paramref name="floats"/> floats, each started right after a barrier (so rank skew is not counted).</summary>
    public static int AllReduce(Communicator world, int floats)
    {
        var values = GC.AllocateUninitializedArray<float>(floats, pinned: true);
        values.AsSpan().Fill(1f);
        var times = new double[200];
        for (int i = -20; i < times.Length; i++)
        {
            world.Barrier();
            long start = Stopwatch.GetTimestamp();
            world.AllReduceSum(values);
            if (i >= 0) times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }
        Array.Sort(times);
        if (world.IsRoot) Console.WriteLine($"allreduce {floats} floats ({floats * 4 / 1024} KiB), {world.Size} ranks: median {times[100]:F0} µs, fastest {times[0]:F0} µs");
        return 0;
    }

    private static Sequential Mlp() => new() { new Flatten(), new Dense(256, Activation.Relu), new Dense(10) };

    private static Sequential LeNet() => new()
    {
        new Conv2D(6, 5, padding: 2, activation: Activation.Sigmoid), new AvgPool2D(2),
        new Conv2D(16, 5, activation: Activation.Sigmoid), new AvgPool2D(2), new Flatten(),
        new Dense(120, Activation.Sigmoid), new Dense(84, Activation.Sigmoid), new Dense(10),
    };

    private static (Sequential Net, Optimizer Optimizer) Build(string net, ulong seed)
    {
        Rng.Seed(seed);
        var model = net == "lenet" ? LeNet() : Mlp();
        model.Initialize(new Xavier());   // deferred: every size is inferred at the first forward
        return (model, net == "lenet" ? new Sgd(0.9f) : new Sgd(0.1f));
    }

    private static Dataset Data(int samples)
    {
        var train = FashionMnist.Load(Split.Train);
        int n = Math.Min(samples, train.Count / 256 * 256);   // the embedded subset has 2,000
        return train with { Images = train.Images.Slice(0, n), Labels = train.Labels.Slice(0, n) };
    }

    /// <summary>
    /// One epoch on this rank's shards with the distributed trainer; returns the trainer. <paramref name="training"/>, when
    /// given, times the steps alone (not the per-epoch shard copy, which is data preparation and scales perfectly).
    /// </summary>
    private static TimeSpan s_compute;
    /// <summary>Set by the argument "plain": loss.Backward() and every reduction in Step, instead of DistributedTrainer.Backward.</summary>
    public static bool PlainBackward { get; set; }
    /// <summary>Gradient bucket size: "buckets=N" (the default, 65,536 floats, puts all of LeNet's 61,706 in one bucket, which can only start at the end of the pass).</summary>
    public static int BucketFloats { get; set; } = 1 << 16;
    private static readonly List<double> s_stepMicroseconds = [];   // each timed step's forward + backward, for the spread between ranks

    /// <summary>One epoch of 512 samples at 128 per rank: for the scenarios that need only a first step or a trained network.</summary>
    private static void ShortEpoch(Communicator world, Sequential net, Optimizer optimizer)
    {
        var data = Data(512);
        TrainEpoch(world, net, optimizer, data, new DistributedSampler(data.Count, world.Rank, world.Size, 128, seed: 7), 0);
    }

    private static DistributedTrainer TrainEpoch(Communicator world, Sequential net, Optimizer optimizer, Dataset data, DistributedSampler sampler, int epoch,
        DistributedTrainer? trainer = null, Stopwatch? training = null)
    {
        trainer ??= new DistributedTrainer(world, net.CollectParams(), optimizer, BucketFloats);
        int batch = sampler.BatchSize;
        var (x, y) = sampler.Shard(data.Images, data.Labels, epoch);
        var loss = new SoftmaxCrossEntropyLoss();
        world.Barrier();
        training?.Start();
        foreach (var b in new DataLoader(x, y, batch, prefetch: false))
        {
            long start = Stopwatch.GetTimestamp();
            Tensor l;
            using (Autograd.Record()) l = loss.Forward(net.Forward(b.Data), b.Labels).Sum();
            if (PlainBackward) l.Backward();
            else trainer.Backward(l);   // reductions start during the pass
            if (training is not null)
            {
                var elapsed = Stopwatch.GetElapsedTime(start);
                s_compute += elapsed;
                s_stepMicroseconds.Add(elapsed.TotalMicroseconds);
            }
            trainer.Step(b.Size);
        }
        world.Barrier();
        training?.Stop();
        return trainer;
    }

    /// <summary>
    /// 2 ranks × batch 128 end an epoch with the weights 1 process × batch 256 gets over the same samples in the same order.
    /// Balanced: two epochs, the first split 100 + 156, the second as <see cref="DistributedTrainer.BalanceBatches"/> splits it
    /// from the ranks' timings — the same weights as 1 × 256 whatever the split.
    /// </summary>
    public static int Equivalence(Communicator world, string net, bool balanced)
    {
        var data = Data(1536);
        int epochs = balanced ? 2 : 1;
        var (distributed, optimizer) = Build(net, 42);
        var sampler = new DistributedSampler(data.Count, world.Rank, world.Size, 256 / world.Size, seed: 7);
        if (balanced && world.Size == 2) sampler.SetBatchSizes([100, 156]);
        var splits = new List<string>();
        DistributedTrainer? trainer = null;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            splits.Add(string.Join("+", sampler.BatchSizes));
            trainer = TrainEpoch(world, distributed, optimizer, data, sampler, epoch, trainer);
            if (balanced) trainer.BalanceBatches(sampler, minGain: 0);
        }
        if (!world.IsRoot) return 0;
        var (reference, referenceOptimizer) = Build(net, 42);
        var single = new Trainer(reference.CollectParams(), referenceOptimizer);
        var order = new DistributedSampler(data.Count, 0, 1, 256, seed: 7);
        var loss = new SoftmaxCrossEntropyLoss();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var (x, y) = order.Shard(data.Images, data.Labels, epoch);
            foreach (var b in new DataLoader(x, y, 256, prefetch: false))
            {
                using (Autograd.Record()) loss.Forward(reference.Forward(b.Data), b.Labels).Sum().Backward();
                single.Step(b.Size);
            }
        }
        const float Tolerance = 2e-5f;   // absolute; the sums of the parts are rounded apart, then added
        float worst = 0;
        string worstName = "";
        foreach (var (name, p) in reference.CollectParams())
        {
            var a = p.Data().ToArray();
            var b = distributed.CollectParams()[name].Data().ToArray();
            for (int i = 0; i < a.Length; i++)
                if (MathF.Abs(a[i] - b[i]) > worst) (worst, worstName) = (MathF.Abs(a[i] - b[i]), name);
        }
        int early = trainer!.ReductionsStartedDuringBackward;
        Console.WriteLine($"equivalence {net}: {world.Size} ranks, batches {string.Join(" then ", splits)} vs 1 × 256 after {epochs} epoch(s) of {order.StepsPerEpoch} steps: " +
            $"largest weight difference {worst:E2} ({worstName}), tolerance {Tolerance:E0}; {early} bucket reductions started during the backward passes ({(PlainBackward ? "plain backward" : $"buckets of {BucketFloats} floats")})");
        bool overlapExpected = !PlainBackward && BucketFloats < 16384;   // then the last layers' bucket is full before the first layers run back
        if (overlapExpected && early == 0) Console.WriteLine("equivalence: no bucket started during the backward pass");
        return worst <= Tolerance && (!overlapExpected || early > 0) ? 0 : 1;
    }

    /// <summary>
    /// A second DistributedTrainer.Backward before Step is refused (its reductions would overwrite the open ones), and the
    /// step then completes on every rank with the first pass's gradients: the weights equal a trainer that was never misused.
    /// </summary>
    public static int BackwardTwice(Communicator world)
    {
        var data = Data(512);
        var loss = new SoftmaxCrossEntropyLoss();
        var x = data.Images.Slice(world.Rank * 64, 64);
        var y = data.Labels.Slice(world.Rank * 64, 64);
        var weights = new List<float[]>();
        foreach (bool misuse in new[] { false, true })
        {
            var (net, optimizer) = Build("mlp", 42);
            var trainer = new DistributedTrainer(world, net.CollectParams(), optimizer);
            for (int step = 0; step < 3; step++)   // the first step verifies the checksums and runs a plain backward
            {
                Tensor l;
                using (Autograd.Record()) l = loss.Forward(net.Forward(x), y).Sum();
                trainer.Backward(l);
                if (misuse && step == 2)
                {
                    Tensor again;
                    using (Autograd.Record()) again = loss.Forward(net.Forward(x), y).Sum();
                    try
                    {
                        trainer.Backward(again);
                        Console.WriteLine($"backward twice, rank {world.Rank}: the second Backward was NOT refused");
                        return 1;
                    }
                    catch (InvalidOperationException e) { if (world.IsRoot) Console.WriteLine($"backward twice: refused as expected: {e.Message}"); }
                }
                trainer.Step(64);
            }
            weights.Add([.. net.CollectParams().SelectMany(kv => kv.Value.Data().ToArray())]);
        }
        bool same = weights[0].SequenceEqual(weights[1]);
        if (world.IsRoot) Console.WriteLine($"backward twice: the step after the refusal {(same ? "used the first pass's gradients" : "CHANGED the weights")}");
        return same ? 0 : 1;
    }

    /// <summary>A rank seeded differently is caught at the first step, on every rank, naming the parameter and the ranks.</summary>
    public static int Checksum(Communicator world)
    {
        var (net, optimizer) = Build("mlp", world.Rank == 1 ? 43UL : 42UL);
        try
        {
            ShortEpoch(world, net, optimizer);
        }
        catch (InvalidOperationException e) when (e.Message.Contains("parameter '1.weight'") && e.Message.Contains("rank(s) 1"))
        {
            Console.WriteLine($"checksum, rank {world.Rank}: caught as expected: {e.Message}");
            return 0;
        }
        Console.Error.WriteLine($"checksum, rank {world.Rank}: a rank with another seed was not caught");
        return 1;
    }

    /// <summary>Ranks whose networks differ in structure fail at the first step naming the first differing parameter.</summary>
    public static int Structure(Communicator world)
    {
        Rng.Seed(42);
        var net = new Sequential { new Flatten(), new Dense(world.Rank == 1 ? 17 : 16, Activation.Relu), new Dense(10) };
        net.Initialize();
        try
        {
            ShortEpoch(world, net, new Sgd(0.1f));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("differ in structure at parameter #0"))
        {
            Console.WriteLine($"structure, rank {world.Rank}: caught as expected: {e.Message}");
            return 0;
        }
        Console.Error.WriteLine($"structure, rank {world.Rank}: differing networks were not caught");
        return 1;
    }

    /// <summary>Rank 1 throws at step 3: the job must end with an error (the script checks it does not hang).</summary>
    public static int Dies(Communicator world)
    {
        var (net, optimizer) = Build("mlp", 42);
        var trainer = new DistributedTrainer(world, net.CollectParams(), optimizer);
        var data = Data(2000);
        var sampler = new DistributedSampler(data.Count, world.Rank, world.Size, 64, seed: 7);
        var (x, y) = sampler.Shard(data.Images, data.Labels, 0);
        var loss = new SoftmaxCrossEntropyLoss();
        foreach (var b in new DataLoader(x, y, 64, prefetch: false))
        {
            if (world.Rank == 1 && trainer.Steps == 3) throw new InvalidOperationException("rank 1 fails on purpose at step 3");
            using (Autograd.Record()) loss.Forward(net.Forward(b.Data), b.Labels).Sum().Backward();
            trainer.Step(b.Size);
        }
        return 0;   // not reached by the ranks: the job is aborted
    }

    /// <summary>A checkpoint written by rank 0 only, loaded on rank 0 and broadcast into every rank's deferred network.</summary>
    public static int Broadcast(Communicator world, string directory)
    {
        var (net, optimizer) = Build("mlp", 42);
        ShortEpoch(world, net, optimizer);
        string path = Path.Combine(directory, "distributed.safetensors");
        world.SaveParametersOnRoot(net, path);
        var fresh = Mlp();
        if (world.IsRoot) fresh.LoadParameters(path);
        world.Broadcast(fresh, root: 0);
        ParameterChecksums.Verify(world, [.. fresh.CollectParams().Select(kv => (kv.Key, kv.Value))]);
        var x = Data(4).Images;
        bool same = fresh.Forward(x).ToArray().SequenceEqual(net.Forward(x).ToArray());
        Console.WriteLine($"broadcast, rank {world.Rank}: {(same ? "same outputs as the trained network" : "DIFFERENT outputs")}");
        return same ? 0 : 1;
    }

    /// <summary>A checkpoint rank 0 cannot write (its folder does not exist) is an error on every rank, not a hang.</summary>
    public static int SaveFails(Communicator world)
    {
        var (net, optimizer) = Build("mlp", 42);
        ShortEpoch(world, net, optimizer);
        string path = Path.Combine(Path.GetTempPath(), "sprout-save-fails-no-such-folder", "net.safetensors");   // the same on every rank; nothing makes it
        try
        {
            world.SaveParametersOnRoot(net, path);
            Console.WriteLine($"save-fails, rank {world.Rank}: NOT refused");
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"save-fails, rank {world.Rank}: refused as expected: {e.GetType().Name}: {e.Message}");
        }
        world.Barrier();   // the ranks are still in step after the refusal
        return 0;
    }

    /// <summary>
    /// A run stopped after an epoch — parameters and Adam's state saved by rank 0 — and resumed on every rank from the files
    /// into fresh deferred networks, ends its next epoch with the same weights as the run that never stopped.
    /// </summary>
    public static int Resume(Communicator world, string directory)
    {
        var data = Data(512);
        DistributedSampler Sampler() => new(data.Count, world.Rank, world.Size, 128, seed: 7);
        Rng.Seed(42);
        var net = Mlp();
        net.Initialize(new Xavier());
        var trainer = TrainEpoch(world, net, new Adam(0.01f), data, Sampler(), 0);
        string parameters = Path.Combine(directory, "resume.safetensors"), states = Path.Combine(directory, "resume-states.safetensors");
        world.SaveParametersOnRoot(net, parameters);
        world.SaveStatesOnRoot(trainer, states);
        TrainEpoch(world, net, new Adam(0.01f), data, Sampler(), 1, trainer);

        var resumed = Mlp();   // deferred: the file gives every shape
        resumed.LoadParameters(parameters);
        var resumedTrainer = new DistributedTrainer(world, resumed.CollectParams(), new Adam(0.01f), BucketFloats);
        resumedTrainer.Trainer.LoadStates(states);
        TrainEpoch(world, resumed, resumedTrainer.Trainer.Optimizer, data, Sampler(), 1, resumedTrainer);
        bool same = net.CollectParams().All(kv => kv.Value.Data().ToArray().SequenceEqual(resumed.CollectParams()[kv.Key].Data().ToArray()));
        Console.WriteLine($"resume, rank {world.Rank}: {(same ? "the resumed run ends with the same weights" : "DIFFERENT weights after resuming")}");
        return same ? 0 : 1;
    }

    /// <summary>
    /// Samples per second of the training steps over epochs after a warm-up epoch, the all-reduce time per step, each
    /// rank's forward + backward (mean, median, p90, p99: a rank waits in the all-reduce for the other's slow steps) and
    /// its gen-0 collections (rank 0 prints).
    /// </summary>
    public static int Throughput(Communicator world, string net, int epochs, int globalBatch, bool balanced)
    {
        var (model, optimizer) = Build(net, 42);
        var data = Data(net == "lenet" ? 12288 : 30720);
        var sampler = new DistributedSampler(data.Count, world.Rank, world.Size, globalBatch / world.Size, seed: 7);
        var trainer = TrainEpoch(world, model, optimizer, data, sampler, 0);
        if (balanced) trainer.BalanceBatches(sampler);
        var warmReduce = trainer.ReduceTime;
        int warmSteps = trainer.Steps;
        var clock = new Stopwatch();
        int collections = GC.CollectionCount(0);
        var paused = GC.GetTotalPauseDuration();
        for (int e = 1; e <= epochs; e++)
        {
            TrainEpoch(world, model, optimizer, data, sampler, e, trainer, clock);
            if (balanced) trainer.BalanceBatches(sampler);
        }
        collections = GC.CollectionCount(0) - collections;
        paused = GC.GetTotalPauseDuration() - paused;
        double seconds = clock.Elapsed.TotalSeconds;
        int steps = trainer.Steps - warmSteps;
        double samples = (double)steps * sampler.GlobalBatchSize;
        s_stepMicroseconds.Sort();
        double Percentile(double q) => s_stepMicroseconds[(int)(q * (s_stepMicroseconds.Count - 1))];
        var compute = world.AllGather([s_compute.TotalMilliseconds * 1000 / steps, Percentile(0.5), Percentile(0.9), Percentile(0.99)]);
        var gcs = world.AllGather([collections, paused.TotalMilliseconds * 1000 / steps]);
        if (world.IsRoot)
            Console.WriteLine($"throughput {net} ranks={world.Size} threads={Threads.Count} batch={(balanced ? $"{string.Join("+", sampler.BatchSizes)} (balanced)" : $"{sampler.BatchSize}×{world.Size}")}: {samples / seconds:F0} samples/s; all-reduce {(trainer.ReduceTime - warmReduce).TotalMilliseconds * 1000 / steps:F0} µs per step; " +
                $"forward + backward {string.Join(" / ", Enumerable.Range(0, world.Size).Select(r => $"{compute[4 * r]:F0} (median {compute[4 * r + 1]:F0}, p90 {compute[4 * r + 2]:F0}, p99 {compute[4 * r + 3]:F0})"))} µs per step (by rank); " +
                $"GC {string.Join(" / ", Enumerable.Range(0, world.Size).Select(r => $"{gcs[2 * r]:F0}×, {gcs[2 * r + 1]:F0} µs per step"))}");
        return 0;
    }
}
