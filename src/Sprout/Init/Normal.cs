namespace Sprout.Init;

/// <summary>Weights drawn from N(0, sigma²); the book's MLP uses sigma = 0.01.</summary>
public sealed class Normal : Initializer
{
    /// <summary>Normal samples with mean 0 and standard deviation <paramref name="sigma"/> (Gluon's default 0.01).</summary>
    public Normal(float sigma = 0.01f)
    {
        if (!(sigma > 0)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "Expected a positive standard deviation.");
        Sigma = sigma;
    }

    /// <summary>The standard deviation.</summary>
    public float Sigma { get; }

    /// <inheritdoc/>
    protected override void InitWeight(string name, Tensor data) => Random.FillNormal(data.AsSpan(), 0f, Sigma);

    /// <inheritdoc/>
    public override string ToString() => $"Normal({Sigma})";
}
