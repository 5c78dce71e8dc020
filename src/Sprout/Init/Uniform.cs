namespace Sprout.Init;

/// <summary>Weights uniform in [−scale, scale); Gluon's default with scale 0.07.</summary>
public sealed class Uniform : Initializer
{
    /// <summary>Uniform samples in [−<paramref name="scale"/>, <paramref name="scale"/>] (Gluon's default 0.07).</summary>
    public Uniform(float scale = 0.07f)
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a positive scale.");
        Scale = scale;
    }

    /// <summary>The half-width s of [−s, s].</summary>
    public float Scale { get; }

    /// <inheritdoc/>
    protected override void InitWeight(string name, Tensor data) => Random.FillUniform(data.AsSpan(), -Scale, Scale);

    /// <inheritdoc/>
    public override string ToString() => $"Uniform({Scale})";
}
