namespace Sprout.Distributed;

/// <summary>
/// Gives each rank a disjoint shard of the data, reshuffled each epoch from a seed all ranks share, with the same number
/// of equal batches on every rank. Step s of an epoch covers the s-th global batch of <c>batchSize × ranks</c> samples of
/// the epoch's order — the same samples one process with that batch size would take at step s — and rank r takes its
/// r-th part. Samples past the last whole global batch are left out of that epoch (a different few each epoch).
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
        (SampleCount, Rank, Ranks, BatchSize, Seed, Shuffle) = (sampleCount, rank, ranks, batchSize, seed, shuffle);
    }

    /// <summary>Samples in the data set.</summary>
    public int SampleCount { get; }
    /// <summary>This rank.</summary>
    public int Rank { get; }
    /// <summary>How many ranks share the data.</summary>
    public int Ranks { get; }
    /// <summary>Samples per rank and step.</summary>
    public int BatchSize { get; }
    /// <summary>The shared seed of the epochs' orders.</summary>
    public ulong Seed { get; }
    /// <summary>Whether each epoch draws a new order.</summary>
    public bool Shuffle { get; }

    /// <summary>Steps per epoch, the same on every rank.</summary>
    public int StepsPerEpoch => SampleCount / (BatchSize * Ranks);

    /// <summary>This rank's sample indices for <paramref name="epoch"/>, batch after batch (StepsPerEpoch × BatchSize).</summary>
    public int[] Indices(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        var order = Enumerable.Range(0, SampleCount).ToArray();
        if (Shuffle) Rng.Stream(Seed, $"distributed-sampler/{epoch}").Shuffle(order.AsSpan());
        int global = BatchSize * Ranks;
        var mine = new int[StepsPerEpoch * BatchSize];
        for (int step = 0; step < StepsPerEpoch; step++)
            Array.Copy(order, step * global + Rank * BatchSize, mine, step * BatchSize, BatchSize);
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
