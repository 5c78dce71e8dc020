using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Layer normalization over the last <c>axes</c> axes of each sample: y = (x − μ)/√(σ² + ε)·γ + β, with μ and the biased
/// σ² taken over those axes. The normalized shape is inferred from the first input (Gluon's <c>LayerNorm()</c>; PyTorch
/// must be told). Parameters <c>weight</c> (γ, ones) and <c>bias</c> (β, zeros) of the normalized shape, as PyTorch's.
/// </summary>
public sealed class LayerNorm : Block
{
    /// <summary>Normalizes over the last <paramref name="axes"/> axes; <paramref name="normalizedShape"/> may be given (else inferred).</summary>
    public LayerNorm(float epsilon = 1e-5f, int axes = 1, int[]? normalizedShape = null, Initializer? weightInitializer = null, Initializer? biasInitializer = null)
    {
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Expected epsilon > 0.");
        if (normalizedShape is not null) axes = normalizedShape.Length;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(axes);
        (Epsilon, Axes) = (epsilon, axes);
        var shape = normalizedShape is null ? new Shape([.. Enumerable.Repeat(Shape.Unknown, axes)]) : new Shape(normalizedShape);
        Weight = AddParameter("weight", shape, weightInitializer, ParameterRole.Gamma);
        Bias = AddParameter("bias", shape, biasInitializer, ParameterRole.Beta);
    }

    /// <summary>Added to the variance before the square root.</summary>
    public float Epsilon { get; }

    /// <summary>How many trailing axes are normalized together.</summary>
    public int Axes { get; }

    /// <summary>γ, the scale, of the normalized shape.</summary>
    public Parameter Weight { get; }

    /// <summary>β, the shift, of the normalized shape.</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank <= Axes)
            throw new ArgumentException($"LayerNorm at '{CurrentPathOrRoot}' normalizes the last {Axes} axes and needs a batch axis before them; got {x.Shape}.", nameof(x));
        var normalized = new Shape(x.Shape.ToArray()[^Axes..]);
        RefineShape(Weight, normalized, x, "features in the normalized axes");
        RefineShape(Bias, normalized, x, "features in the normalized axes");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x) => Tensor.LayerNorm(x, Weight.Data(), Bias.Data(), Epsilon);

    /// <inheritdoc/>
    protected override string Describe() => $"LayerNorm(eps={Epsilon}, normalized_shape={Weight.Shape})";
}
