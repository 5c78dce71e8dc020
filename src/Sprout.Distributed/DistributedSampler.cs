namespace Sprout.Distributed;

/// <summary>
/// Gives each rank a disjoint shard of the data, reshuffled each epoch from a seed all ranks share, with the same number
/// of equal batches on every rank. Step s of an epoch covers the s-th global batch of <c>batchSize × ranks</c> samples of
/// the epoch's order — the same samples one process with that batch size would take at step s — and rank r takes its
/// r-th part. Samples past the last whole global batch are left out of that epoch (a different few each epoch).
/// The parts are equal unless <see cref="SetBatchSizes"/> splits the global batch otherwise (to give a slower rank
/// fewer samples, <see cref="DistributedTrainer.BalanceBatches"/>): the step still covers the same global batch.
/// </summary>
public sealed class DistributedSampler
{
    /// <summary>A sampler over <paramref name="sampleCount"/> samples for <paramref name="rank"/> of <paramref name="ranks"/>, <paramref name="batchSize"/> samples per rank and step.</summary>
    public DistributedSampler(int sampleCount, int rank, int ranks, int batchSize, ulong seed, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if ((uint)rank >= (uint)ranks) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"The rank must be in 0..{ranks - 1}.");
        if (sampleCount < batchSize * ranks)
            throw new ArgumentException($"DistributedSampler: {sampleCount} samples do not make one global batch of {batchSize} × {ranks} ranks.", nameof(sampleCount));
        (SampleCount, Rank, Ranks, Seed, Shuffle) = (sampleCount, rank, ranks, seed, shuffle);
        GlobalBatchSize = batchSize * ranks;
        _batchSizes = [.. Enumerable.Repeat(batchSize, ranks)];
    }

    private int[] _batchSizes;

    /// <summary>Samples in the data set.</summary>
    public int SampleCount { get; }
    /// <summary>This rank.</summary>
    public int Rank { get; }
    /// <summary>How many ranks share the data.</summary>
    public int Ranks { get; }
    /// <summary>This rank's samples per step.</summary>
    public int BatchSize => _batchSizes[Rank];
    /// <summary>Samples per step over all ranks.</summary>
    public int GlobalBatchSize { get; }
    /// <summary>Each rank's samples per step (equal unless <see cref="SetBatchSizes"/> changed them).</summary>
    public IReadOnlyList<int> BatchSizes => Array.AsReadOnly(_batchSizes);
    /// <summary>The shared seed of the epochs' orders.</summary>
    public ulong Seed { get; }
    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>Steps per epoch, the same on every rank.</summary>
    public int StepsPerEpoch => SampleCount / GlobalBatchSize;

    /// <summary>
    /// Splits each global batch as <paramref name="batchSizes"/> (one per rank, in rank order, each at least 1, summing to
    /// <see cref="GlobalBatchSize"/>) from the next <see cref="Indices"/> or <see cref="Shard"/> on. Every rank must be
    /// given the same sizes, or the shards overlap.
    /// </summary>
    public void SetBatchSizes(ReadOnlySpan<int> batchSizes)
    {
        if (batchSizes.Length != Ranks)
            throw new ArgumentException($"DistributedSampler.SetBatchSizes: {batchSizes.Length} sizes for {Ranks} ranks; give one per rank.", nameof(batchSizes));
        long sum = 0;
        for (int r = 0; r < batchSizes.Length; r++)
        {
            if (batchSizes[r] < 1)
                throw new ArgumentOutOfRangeException(nameof(batchSizes), batchSizes[r], $"DistributedSampler.SetBatchSizes: rank {r} was given {batchSizes[r]} samples a step; every rank needs at least 1.");
            sum += batchSizes[r];
        }
        if (sum != GlobalBatchSize)
            throw new ArgumentException($"DistributedSampler.SetBatchSizes: the sizes [{string.Join(", ", batchSizes.ToArray())}] sum to {sum}, not the global batch of {GlobalBatchSize}; a new split must cover the same global batch.", nameof(batchSizes));
        _batchSizes = batchSizes.ToArray();
    }

    /// <summary>This rank's sample indices for <paramref name="epoch"/>, batch after batch (StepsPerEpoch × BatchSize).</summary>
    public int[] Indices(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = Enumerable.Range(0, SampleCount).ToArray();
        if (Shuffle) Rng.Stream(Seed, $"distributed-sampler/{epoch}").Shuffle(order.AsSpan());
        int before = _batchSizes.Take(Rank).Sum(), size = BatchSize;
        var mine = new int[StepsPerEpoch * size];
        for (int step = 0; step < StepsPerEpoch; step++)
            Array.Copy(order, step * GlobalBatchSize + before, mine, step * size, size);
        return mine;
    }

    /// <summary>This rank's shard of <paramref name="data"/> and <paramref name="labels"/> for <paramref name="epoch"/>, in batch order.</summary>
    public (Tensor Data, Tensor Labels) Shard(Tensor data, Tensor labels, int epoch)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(labels);
        if (data.Shape[0] != SampleCount || labels.Shape[0] != SampleCount)
            throw new ArgumentException($"DistributedSampler: it was made for {SampleCount} samples; got data {data.Shape} and labels {labels.Shape}.");
        var indices = Indices(epoch);
        return (data.IndexSelect(0, indices), labels.IndexSelect(0, indices));
    }
}
