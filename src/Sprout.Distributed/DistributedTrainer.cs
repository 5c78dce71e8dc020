using System.Diagnostics;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Distributed;

/// <summary>
/// Data-parallel training: every rank runs the same network on its own shard of the batch, and after each backward the
/// gradients are summed over the ranks (MPI all-reduce) and applied by the same optimizer everywhere, so the ranks stay
/// identical step after step. With equal local batches this is exactly the step one process would take on the union of
/// the batches (in any split of them: <see cref="BalanceBatches"/>). Gradients travel in buckets of about
/// <c>bucketFloats</c> values, last layer first (<see cref="GradientBuckets"/>); with <see cref="Backward"/> each bucket's
/// reduction starts as soon as the backward pass has finished its gradients. At the first step the ranks compare a
/// checksum of every parameter and fail, naming the parameter and the ranks, if any differ (<see cref="ParameterChecksums"/>).
/// </summary>
public sealed class DistributedTrainer
{
    private readonly Communicator _communicator;
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly int _bucketFloats;
    private GradientBuckets? _plan;
    private bool _overlapped;   // the current step's buckets were begun by Backward
    private bool _verified;
    private readonly Stopwatch _reduceClock = new();
    private long _lastStepEnd;   // timestamp when the last Step returned: the rank's work on the next batch starts there
    private double _busySeconds;
    private long _busySamples;

    /// <summary>A trainer of <paramref name="parameters"/> (buffers are left out) with <paramref name="optimizer"/> over <paramref name="communicator"/>'s ranks.</summary>
    public DistributedTrainer(Communicator communicator, ParameterCollection parameters, Optimizer optimizer, int bucketFloats = 1 << 16)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bucketFloats);
        _communicator = communicator;
        Trainer = new Trainer(parameters, optimizer);
        _parameters = [.. parameters.Where(kv => !kv.Value.IsBuffer).Select(kv => (kv.Key, kv.Value))];
        _bucketFloats = bucketFloats;
    }

    /// <summary>The local trainer that applies the summed gradients.</summary>
    public Trainer Trainer { get; }

    /// <summary>The optimizer's learning rate (the same on every rank).</summary>
    public float LearningRate
    {
        get => Trainer.LearningRate;
        set => Trainer.LearningRate = value;
    }

    /// <summary>Time spent in gradient all-reduce (copies included) since the trainer was made.</summary>
    public TimeSpan ReduceTime => _reduceClock.Elapsed;

    /// <summary>How many bucket reductions started during a backward pass (<see cref="Backward"/>) rather than in <see cref="Step"/>.</summary>
    public int ReductionsStartedDuringBackward { get; private set; }

    /// <summary>How many steps were taken.</summary>
    public int Steps { get; private set; }

    /// <summary>
    /// Runs <paramref name="loss"/>'s backward pass (a summed loss), starting each bucket's all-reduce as soon as the
    /// pass has finished its gradients — the last layers' while the first layers still run back, as PyTorch's DDP
    /// overlaps them — then call <see cref="Step"/>. Calling <c>loss.Backward()</c> yourself works too; the buckets
    /// then start in <see cref="Step"/>. The first step (before the ranks' checksums have been compared) runs a plain
    /// backward pass. If the pass throws once buckets have started, the ranks are out of step: end the job.
    /// </summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (_overlapped)
            throw new InvalidOperationException("DistributedTrainer.Backward: the previous Backward's gradient reductions are still open. Call Step(localBatchSize) after each Backward, before the next.");
        if (!_verified || _communicator.Size == 1)
        {
            loss.Backward();
            return;
        }
        var plan = Plan();
        plan.Begin();
        _overlapped = true;
        try { loss.Backward(null, OnGradientReady); }
        catch
        {
            _overlapped = false;   // the plan stays begun: the next Step refuses to go on
            throw;
        }
    }

    /// <summary>Copying and starting reductions during the pass counts as reduction time.</summary>
    private void OnGradientReady(Tensor leaf)
    {
        _reduceClock.Start();
        try { if (_plan!.OnGradientReady(leaf)) ReductionsStartedDuringBackward++; }
        finally { _reduceClock.Stop(); }
    }

    /// <summary>
    /// One update with the gradients of this rank's last backward pass over <paramref name="localBatchSize"/> samples
    /// (a summed loss): gradients are summed over the ranks and rescaled by the total batch over all ranks.
    /// </summary>
    public void Step(int localBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localBatchSize);
        if (_lastStepEnd != 0)
        {
            _busySeconds += Stopwatch.GetElapsedTime(_lastStepEnd).TotalSeconds;
            _busySamples += localBatchSize;
        }
        if (!_verified)
        {
            ParameterChecksums.Verify(_communicator, _parameters);
            _verified = true;
        }
        _reduceClock.Start();
        int globalBatch = SumGradients(localBatchSize);
        _reduceClock.Stop();
        Trainer.Step(globalBatch);
        Steps++;
        _lastStepEnd = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Splits <paramref name="sampler"/>'s global batch between the ranks in proportion to their speed: each rank's time
    /// per sample from the end of one step to the start of the next (its data, forward and backward — not the
    /// all-reduce, where the faster rank waits) since the last call, gathered from all ranks, so that all finish their
    /// part together. Ranks on cores or machines of different speed otherwise all wait for the slowest at every step. The
    /// global batch stays the same, so the updates do too (to float rounding); only which rank computes which sample's
    /// gradient changes. Call it on every rank at the same point, between epochs (it takes effect at the sampler's next
    /// shard); it keeps the split unless the new one would shorten the slowest rank's step by at least
    /// <paramref name="minGain"/>. Returns the batch sizes in force.
    /// </summary>
    public IReadOnlyList<int> BalanceBatches(DistributedSampler sampler, double minGain = 0.02)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        if (sampler.Ranks != _communicator.Size)
            throw new ArgumentException($"DistributedTrainer.BalanceBatches: the sampler splits batches over {sampler.Ranks} ranks, the communicator has {_communicator.Size}; make the sampler with Communicator.Size.", nameof(sampler));
        var gathered = _communicator.AllGather([_busySamples > 0 ? _busySeconds / _busySamples : 0]);
        (_busySeconds, _busySamples, _lastStepEnd) = (0, 0, 0);   // the next epoch's first step, which waits for its shard, is not timed
        if (gathered.Any(perSample => !(perSample > 0))) return sampler.BatchSizes;   // a rank has not timed a step yet
        var sizes = LoadBalance.Split(sampler.GlobalBatchSize, gathered);
        double Slowest(IReadOnlyList<int> split) => Enumerable.Range(0, split.Count).Max(r => split[r] * gathered[r]);
        if (Slowest(sizes) <= (1 - minGain) * Slowest(sampler.BatchSizes)) sampler.SetBatchSizes(sizes);
        return sampler.BatchSizes;
    }

    /// <summary>
    /// Sums the gradients over the ranks, and the local batch sizes (returned: the global batch), through the plan the
    /// overlapped <see cref="Backward"/> began, or a new one now.
    /// </summary>
    private int SumGradients(int localBatchSize)
    {
        if (_communicator.Size == 1) return localBatchSize;
        if (!_overlapped) Plan().Begin();
        _overlapped = false;
        return _plan!.Finish(localBatchSize);
    }

    /// <summary>The bucket plan for the parameters trained now (rebuilt when a parameter is filled later or its gradient request changes).</summary>
    private GradientBuckets Plan()
    {
        var trained = _parameters.Where(t => t.Parameter.GradReq != GradReq.Null && t.Parameter.IsInitialized).Reverse().Select(t => t.Parameter).ToArray();
        if (_plan is null || !_plan.Parameters.SequenceEqual(trained))
            _plan = new GradientBuckets(_communicator, trained, _bucketFloats, _plan?.Buffer ?? []);
        return _plan;
    }
}
