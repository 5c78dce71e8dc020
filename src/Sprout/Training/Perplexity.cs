namespace Sprout.Training;

/// <summary>
/// Perplexity, the book's measure of a language model: exp of the mean cross-entropy per token, from the summed
/// losses and token counts of the batches seen since the last reset.
/// </summary>
public sealed class Perplexity
{
    private readonly MeanMetric _loss = new();

    /// <summary>Adds batches' summed cross-entropy <paramref name="lossSum"/> over <paramref name="tokens"/> tokens.</summary>
    public void Update(double lossSum, long tokens)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        _loss.Update(lossSum, tokens);
    }

    /// <summary>exp(mean loss per token); NaN before any token.</summary>
    public double Value => Math.Exp(_loss.Value);

    /// <summary>Forgets everything seen.</summary>
    public void Reset() => _loss.Reset();
}
