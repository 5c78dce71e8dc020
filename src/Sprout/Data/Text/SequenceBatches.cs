namespace Sprout.Data;

/// <summary>
/// Mini-batches of subsequences for language models (the book's random sampling): each epoch starts from a random offset
/// in [0, steps), cuts the corpus into subsequences of <c>steps</c> ids, shuffles them (a seeded stream per epoch) and
/// groups them <c>batchSize</c> at a time. X holds the subsequences and Y the same shifted by one id, both (N, steps) as
/// float ids.
/// </summary>
public sealed class SequenceBatches
{
    private readonly int[] _corpus;
    private int _epoch;

    /// <summary>Batches over <paramref name="corpus"/> (ids) of <paramref name="batchSize"/> subsequences of <paramref name="steps"/> ids.</summary>
    public SequenceBatches(int[] corpus, int batchSize, int steps, ulong seed = 0)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        if (corpus.Length < (batchSize + 1) * steps + 1)
            throw new ArgumentException($"SequenceBatches: a corpus of {corpus.Length} ids is too short for one batch of {batchSize} subsequences of {steps} steps.", nameof(corpus));
        (_corpus, BatchSize, Steps, Seed) = (corpus, batchSize, steps, seed);
    }

    /// <summary>Subsequences per batch.</summary>
    public int BatchSize { get; }
    /// <summary>Ids per subsequence.</summary>
    public int Steps { get; }
    /// <summary>The seed of the epochs' offsets and orders.</summary>
    public ulong Seed { get; }

    /// <summary>One epoch of (X, Y) batches; each call draws a new offset and order.</summary>
    public IEnumerable<(Tensor X, Tensor Y)> NextEpoch()
    {
        var random = Rng.Stream(Seed, $"sequence-batches/{_epoch++}");
        int offset = random.NextInt32(Steps);
        int subsequences = (_corpus.Length - offset - 1) / Steps;
        var starts = Enumerable.Range(0, subsequences).Select(i => offset + i * Steps).ToArray();
        random.Shuffle(starts.AsSpan());
        for (int b = 0; b + BatchSize <= starts.Length; b += BatchSize)
        {
            var x = new float[BatchSize * Steps];
            var y = new float[BatchSize * Steps];
            for (int i = 0; i < BatchSize; i++)
                for (int t = 0; t < Steps; t++)
                {
                    x[i * Steps + t] = _corpus[starts[b + i] + t];
                    y[i * Steps + t] = _corpus[starts[b + i] + t + 1];
                }
            yield return (Tensor.FromArray(x, BatchSize, Steps), Tensor.FromArray(y, BatchSize, Steps));
        }
    }
}
