namespace Sprout.Nn;

/// <summary>
/// While training (<see cref="Autograd.IsTraining"/>), zeroes each element with probability <c>rate</c> and scales the
/// rest by 1/(1 − rate) so the expectation is unchanged; in prediction it is the identity.
/// </summary>
public sealed class Dropout : Block
{
    /// <summary>Dropout with the given <paramref name="rate"/> in [0, 1).</summary>
    public Dropout(float rate)
    {
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "Expected a dropout rate in [0, 1).");
        Rate = rate;
    }

    /// <summary>The probability that an element is zeroed while training.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => ApplyDropout(x, Rate);

    /// <inheritdoc/>
    protected override string Describe() => $"Dropout(p = {Rate})";
}
