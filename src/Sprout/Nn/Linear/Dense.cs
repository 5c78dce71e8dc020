using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Fully connected layer: y = act(x·Wᵀ + b); (N, *, inUnits) → (N, *, units).
/// Leave <c>inUnits</c> out and it is inferred from the last dimension of the first input.
/// </summary>
public sealed class Dense : Block
{
    /// <summary>A layer of <paramref name="units"/> outputs; <paramref name="inUnits"/> left out is inferred from the first input.</summary>
    public Dense(int units, Activation activation = Activation.None, int inUnits = Shape.Unknown, bool useBias = true,
                 Initializer? weightInitializer = null, Initializer? biasInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        if (inUnits <= 0 && inUnits != Shape.Unknown)
            throw new ArgumentOutOfRangeException(nameof(inUnits), inUnits, "Expected a positive input size, or leave it out (-1) to infer it from the first input.");
        Units = units;
        Activation = activation;
        AddParameter("weight", new Shape(units, inUnits), weightInitializer);
        if (useBias) AddParameter("bias", new Shape(units), biasInitializer);
    }

    /// <summary>Output features.</summary>
    public int Units { get; }

    /// <summary>Applied to the output.</summary>
    public Activation Activation { get; }

    /// <summary>(units, inUnits): PyTorch's layout, ONNX Gemm with transB = 1.</summary>
    public Parameter Weight => Param("weight");

    /// <summary>(units), or null when created with <c>useBias: false</c>.</summary>
    public Parameter? Bias => OptionalParam("bias");

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank < 1)
            throw new ArgumentException(
                $"Dense at '{CurrentPathOrRoot}' needs an input with a feature axis, (N, in) or (N, *, in); got a scalar of shape {x.Shape}. " +
                "Reshape it, e.g. x.Reshape(1, 1) for one sample with one feature.", nameof(x));
        RefineShape(Weight, new Shape(Units, x.Shape[^1]), x, "input features");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var y = Tensor.Linear(x, Weight.Data(), Bias?.Data(), Activation.ToPointwise());
        return Activation.IsFused() ? y : Activation.Apply(y);
    }

    internal override FeatureFlow Flow => new(FeatureAxis.Last, Weight.Shape[1], Weight.Shape[0]);

    /// <inheritdoc/>
    protected override string Describe()
    {
        int inUnits = Weight.Shape[1];
        return $"Dense({(inUnits == Shape.Unknown ? "None" : inUnits.ToString(System.Globalization.CultureInfo.InvariantCulture))} -> {Units}, {Activation.Describe()})";
    }
}
