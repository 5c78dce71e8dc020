namespace Sprout.Init;

/// <summary>Weights uniform in [−scale, scale); Gluon's default with scale 0.07.</summary>
public sealed class Uniform : Initializer
{
    public Uniform(float scale = 0.07f)
    {
        if (!(scale > 0)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "Expected a positive scale.");
        Scale = scale;
    }

    public float Scale { get; }

    protected override void InitWeight(string name, Tensor data) => Random.FillUniform(data.AsSpan(), -Scale, Scale);

    public override string ToString() => $"Uniform({Scale})";
}
