using System.Diagnostics;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.Distributed;

/// <summary>
/// Data-parallel training: every rank runs the same network on its own shard of the batch, and after each backward the
/// gradients are summed over the ranks (MPI all-reduce) and applied by the same optimizer everywhere, so the ranks stay
/// identical step after step. With equal local batches this is exactly the step one process would take on the union of
/// the batches. Gradients travel in buckets of about <c>bucketFloats</c> values, last layer first: a bucket is reduced
/// (non-blocking) while the next one is copied. At the first step the ranks compare a checksum of every parameter and
/// fail, naming the parameter and the ranks, if any differ (<see cref="ParameterChecksums"/>).
/// </summary>
public sealed class DistributedTrainer
{
    private readonly Communicator _communicator;
    private readonly (string Name, Parameter Parameter)[] _parameters;
    private readonly int _bucketFloats;
    private float[] _buffer = [];
    private bool _verified;
    private readonly Stopwatch _reduceClock = new();

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

    /// <summary>How many steps were taken.</summary>
    public int Steps { get; private set; }

    /// <summary>
    /// One update with the gradients of this rank's last backward pass over <paramref name="localBatchSize"/> samples
    /// (a summed loss): gradients are summed over the ranks and rescaled by the total batch over all ranks.
    /// </summary>
    public void Step(int localBatchSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(localBatchSize);
        if (!_verified)
        {
            ParameterChecksums.Verify(_communicator, _parameters);
            _verified = true;
        }
        _reduceClock.Start();
        Span<float> batch = [localBatchSize];
        _communicator.AllReduceSum(batch);
        SumGradients();
        _reduceClock.Stop();
        Trainer.Step((int)batch[0]);
        Steps++;
    }

    /// <summary>
    /// Sums the gradients over the ranks. Small gradients are copied into buckets (last parameter first), each reduced
    /// without blocking while the next is filled; a gradient of at least a bucket's size is reduced in place, with no
    /// copy (the MLP's 784×256 weight: copying it in and out cost a third of its reduction).
    /// </summary>
    private void SumGradients()
    {
        if (_communicator.Size == 1) return;
        var all = _parameters.Where(t => t.Parameter.GradReq != GradReq.Null && t.Parameter.IsInitialized).Reverse().ToArray();
        var trained = all.Where(t => t.Parameter.Shape.ElementCount < _bucketFloats).ToArray();
        int total = trained.Sum(t => t.Parameter.Shape.ElementCount);
        if (_buffer.Length < total) _buffer = GC.AllocateUninitializedArray<float>(total, pinned: true);
        var pending = new List<PendingReduction>();
        int bucketStart = 0, offset = 0;
        foreach (var (_, p) in trained)
        {
            var grad = p.Grad().AsSpan();
            grad.CopyTo(_buffer.AsSpan(offset));
            offset += grad.Length;
            if (offset - bucketStart >= _bucketFloats)
            {
                pending.Add(_communicator.AllReduceSumAsync(_buffer, bucketStart, offset - bucketStart));
                bucketStart = offset;
            }
        }
        if (offset > bucketStart) pending.Add(_communicator.AllReduceSumAsync(_buffer, bucketStart, offset - bucketStart));
        foreach (var (_, p) in all)
            if (p.Shape.ElementCount >= _bucketFloats) _communicator.AllReduceSum(p.Grad().AsSpan());
        for (int i = 0; i < pending.Count; i++)
        {
            var request = pending[i];
            Communicator.Wait(ref request);
        }
        offset = 0;
        foreach (var (_, p) in trained)
        {
            var grad = p.Grad().AsSpan();
            _buffer.AsSpan(offset, grad.Length).CopyTo(grad);
            offset += grad.Length;
        }
    }
}
