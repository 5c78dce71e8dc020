namespace Sprout.Nn;

/// <summary>
/// The position-wise feed-forward network of a Transformer: y = W₂·act(W₁x + b₁) + b₂ on the last axis, with
/// <c>hidden</c> inner features and as many outputs as inputs (or <c>outputs</c>, if given); the input width is
/// inferred. Parameters <c>linear1.weight</c> (hidden, in), <c>linear1.bias</c>, <c>linear2.weight</c> (out, hidden),
/// <c>linear2.bias</c>, as PyTorch's Transformer layers name them.
/// </summary>
public sealed class PositionWiseFfn : Block
{
    private readonly bool _outputsFollowInput;

    /// <summary>An FFN of <paramref name="hidden"/> inner features; <paramref name="outputs"/> defaults to the input width.</summary>
    public PositionWiseFfn(int hidden, Activation activation = Activation.Relu, int outputs = Shape.Unknown)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (outputs <= 0 && outputs != Shape.Unknown) throw new ArgumentOutOfRangeException(nameof(outputs), outputs, "Expected a positive output size, or leave it out for the input width.");
        (Activation, _outputsFollowInput) = (activation, outputs == Shape.Unknown);
        Linear1Weight = AddParameter("linear1.weight", new Shape(hidden, Shape.Unknown));
        Linear1Bias = AddParameter("linear1.bias", new Shape(hidden));
        Linear2Weight = AddParameter("linear2.weight", new Shape(outputs, hidden));
        Linear2Bias = AddParameter("linear2.bias", new Shape(outputs));
    }

    /// <summary>The inner activation.</summary>
    public Activation Activation { get; }
    /// <summary>(hidden, in).</summary>
    public Parameter Linear1Weight { get; }
    /// <summary>(hidden).</summary>
    public Parameter Linear1Bias { get; }
    /// <summary>(out, hidden).</summary>
    public Parameter Linear2Weight { get; }
    /// <summary>(out).</summary>
    public Parameter Linear2Bias { get; }

    /// <inheritdoc/>
    protected override void InferShapes(Tensor x)
    {
        if (x.Rank < 1) throw new ArgumentException($"PositionWiseFfn at '{CurrentPathOrRoot}' needs a feature axis; got {x.Shape}.", nameof(x));
        int width = x.Shape[^1];
        RefineShape(Linear1Weight, new Shape(Linear1Weight.Shape[0], width), x, "input features");
        if (!_outputsFollowInput) return;
        RefineShape(Linear2Weight, new Shape(width, Linear2Weight.Shape[1]), x, "input features (its output width follows them)");
        RefineShape(Linear2Bias, new Shape(width), x, "input features (its output width follows them)");
    }

    /// <inheritdoc/>
    protected override Tensor ForwardCore(Tensor x)
    {
        var inner = Tensor.Linear(x, Linear1Weight.Data(), Linear1Bias.Data(), Activation.ToPointwise());
        if (!Activation.IsFused()) inner = Activation.Apply(inner);
        return Tensor.Linear(inner, Linear2Weight.Data(), Linear2Bias.Data());
    }

    /// <inheritdoc/>
    protected override string Describe() => $"PositionWiseFfn(hidden={Linear1Weight.Shape[0]}, {Activation.Describe()})";
}
