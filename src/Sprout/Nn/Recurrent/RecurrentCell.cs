namespace Sprout.Nn;

/// <summary>
/// The shared core of <see cref="RnnCell"/>, <see cref="GruCell"/> and <see cref="LstmCell"/>: one time step, for loops
/// written by hand. (N, C) and the state (N, H) → the new state. The input size C is inferred. Parameters as PyTorch's
/// cells: <c>weight_ih</c> (gates·H, C), <c>weight_hh</c> (gates·H, H), <c>bias_ih</c>, <c>bias_hh</c>.
/// </summary>
public abstract class RecurrentCell : Block
{
    private protected RecurrentCell(int hidden, int inputSize, int gates)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        if (inputSize <= 0 && inputSize != Shape.Unknown) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Expected a positive input size, or leave it out to infer it.");
        Hidden = hidden;
        WeightIh = AddParameter("weight_ih", new Shape(gates * hidden, inputSize));
        WeightHh = AddParameter("weight_hh", new Shape(gates * hidden, hidden));
        BiasIh = AddParameter("bias_ih", new Shape(gates * hidden));
        BiasHh = AddParameter("bias_hh", new Shape(gates * hidden));
    }

    /// <summary>Hidden features.</summary>
    public int Hidden { get; }
    /// <summary>(gates·H, C).</summary>
    public Parameter WeightIh { get; }
    /// <summary>(gates·H, H).</summary>
    public Parameter WeightHh { get; }
    /// <summary>(gates·H).</summary>
    public Parameter BiasIh { get; }
    /// <summary>(gates·H).</summary>
    public Parameter BiasHh { get; }

    /// <inheritdoc/>
    protected override void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank != 2) throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' expects one step of shape (N, C); got {x.Shape}.", nameof(inputs));
        RefineShape(WeightIh, new Shape(WeightIh.Shape[0], x.Shape[1]), x, "input features");
    }

    /// <summary>The state given, or zeros (N, H).</summary>
    private protected Tensor StateOrZeros(IReadOnlyList<Tensor?> inputs, int index, Tensor x)
    {
        var state = inputs.Count > index ? inputs[index] : null;
        if (state is null) return Tensor.Zeros(x.Shape[0], Hidden);
        if (state.Shape != new Shape(x.Shape[0], Hidden))
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}': a state of shape {state.Shape}; expected ({x.Shape[0]}, {Hidden}).", nameof(inputs));
        return state;
    }

    /// <summary>x·W_ihᵀ + b_ih and h·W_hhᵀ + b_hh.</summary>
    private protected (Tensor Gx, Tensor Gh) Gates(Tensor x, Tensor h) =>
        (Tensor.Linear(x, WeightIh.Data(), BiasIh.Data()), Tensor.Linear(h, WeightHh.Data(), BiasHh.Data()));
}
