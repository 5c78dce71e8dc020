namespace Sprout.Nn;

/// <summary>
/// What an initializer knows about the parameter it fills: its structural path (<c>0.weight</c>), role, final
/// shape, fan-in and fan-out, and the random stream derived from (seed, path) that makes filling reproducible.
/// </summary>
public sealed record ParameterInfo(string Path, ParameterRole Role, Shape Shape, int FanIn, int FanOut, RandomStream Random)
{
    /// <summary>Fans as Gluon and PyTorch define them: (out, in, k…) → fan-in = in·Πk, fan-out = out·Πk.</summary>
    internal static (int FanIn, int FanOut) Fans(Shape shape)
    {
        if (shape.Rank == 0) return (1, 1);
        if (shape.Rank == 1) return (shape[0], shape[0]);
        int receptive = shape.Product(2, shape.Rank);
        return (shape[1] * receptive, shape[0] * receptive);
    }
}
