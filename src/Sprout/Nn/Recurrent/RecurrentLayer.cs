namespace Sprout.Nn;

/// <summary>
/// The shared core of <see cref="Rnn"/>, <see cref="Gru"/> and <see cref="Lstm"/> over whole sequences: layers stacked,
/// each optionally bidirectional, time-major (T, N, C) as the book (or batch-first). The input size C is inferred from
/// the first input (Gluon's <c>rnn.GRU(num_hiddens)</c>; PyTorch must be told) and may be given. Parameters as PyTorch's:
/// <c>weight_ih_l{k}</c> (gates·H, input), <c>weight_hh_l{k}</c> (gates·H, H), <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c>,
/// with <c>_reverse</c> for the backward direction. Each layer projects all steps' inputs in one product, then steps
/// through time as one op, whose backward runs back through time.
/// </summary>
public abstract class RecurrentLayer : Block
{
    private readonly int _gates;

    private protected RecurrentLayer(int hidden, int layers, bool bidirectional, float dropout, bool batchFirst, int inputSize, int gates)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        if (inputSize <= 0 && inputSize != Shape.Unknown) throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "Expected a positive input size, or leave it out to infer it.");
        (Hidden, Layers, Bidirectional, Dropout, BatchFirst, _gates) = (hidden, layers, bidirectional, dropout, batchFirst, gates);
        for (int layer = 0; layer < layers; layer++)
            for (int direction = 0; direction < Directions; direction++)
            {
                string suffix = $"l{layer}{(direction == 1 ? "_reverse" : "")}";
                int input = layer == 0 ? inputSize : hidden * Directions;
                AddParameter($"weight_ih_{suffix}", new Shape(gates * hidden, input));
                AddParameter($"weight_hh_{suffix}", new Shape(gates * hidden, hidden));
                AddParameter($"bias_ih_{suffix}", new Shape(gates * hidden));
                AddParameter($"bias_hh_{suffix}", new Shape(gates * hidden));
            }
    }

    /// <summary>Hidden features per direction.</summary>
    public int Hidden { get; }
    /// <summary>Stacked layers.</summary>
    public int Layers { get; }
    /// <summary>Whether each layer also runs backward in time (outputs concatenated).</summary>
    public bool Bidirectional { get; }
    /// <summary>Dropout between layers while training.</summary>
    public float Dropout { get; }
    /// <summary>Whether inputs and outputs are (N, T, ·) instead of (T, N, ·).</summary>
    public bool BatchFirst { get; }

    private int Directions => Bidirectional ? 2 : 1;

    /// <summary>Whether the layer carries a cell state besides the hidden state (LSTM).</summary>
    private protected virtual bool HasCell => false;

    /// <summary>The cell the sequence runs.</summary>
    private protected abstract Kernels.RecurrentCellKind Kind { get; }

    /// <inheritdoc/>
    protected override void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (x.Rank != 3)
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}' expects a sequence of shape {(BatchFirst ? "(N, T, C)" : "(T, N, C)")}; got {x.Shape}.", nameof(inputs));
        for (int direction = 0; direction < Directions; direction++)
        {
            var w = Param($"weight_ih_l0{(direction == 1 ? "_reverse" : "")}");
            RefineShape(w, new Shape(w.Shape[0], x.Shape[2]), x, "input features (dimension 2 of its input)");
        }
    }

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var x = inputs[0]!;
        if (BatchFirst) x = x.Transpose(1, 0, 2);
        int batch = x.Shape[1];
        var h0 = InitialState(inputs.Count > 1 ? inputs[1] : null, batch, "initial hidden state");
        var c0 = HasCell ? InitialState(inputs.Count > 2 ? inputs[2] : null, batch, "initial cell state") : null;
        var finalH = new List<Tensor>();
        var finalC = new List<Tensor>();
        for (int layer = 0; layer < Layers; layer++)
        {
            var outputs = new Tensor[Directions];
            for (int direction = 0; direction < Directions; direction++)
            {
                int index = layer * Directions + direction;
                string suffix = $"l{layer}{(direction == 1 ? "_reverse" : "")}";
                var (output, h, c) = RunDirection(x, Param($"weight_ih_{suffix}").Data(), Param($"bias_ih_{suffix}").Data(),
                    Param($"weight_hh_{suffix}").Data(), Param($"bias_hh_{suffix}").Data(), Pick(h0, index), c0 is null ? null : Pick(c0, index), reverse: direction == 1);
                outputs[direction] = output;
                finalH.Add(h);
                if (c is not null) finalC.Add(c);
            }
            x = Directions == 1 ? outputs[0] : Tensor.Concat(2, outputs);
            if (layer < Layers - 1) x = ApplyDropout(x, Dropout);
        }
        var y = BatchFirst ? x.Transpose(1, 0, 2) : x;
        return HasCell ? [y, Tensor.Stack(0, [.. finalH]), Tensor.Stack(0, [.. finalC])] : [y, Tensor.Stack(0, [.. finalH])];
    }

    /// <summary>
    /// One layer in one direction over the whole sequence: (T, N, in) → (T, N, H), and the final state. All steps' input
    /// projection is one product; the steps themselves are one op (<see cref="Tensor.Recurrence"/>) with its own
    /// backward through time.
    /// </summary>
    private (Tensor Output, Tensor H, Tensor? C) RunDirection(Tensor x, Tensor weightIh, Tensor biasIh, Tensor weightHh, Tensor biasHh, Tensor h, Tensor? c, bool reverse)
    {
        int steps = x.Shape[0], batch = x.Shape[1], width = _gates * Hidden;
        var gx = Tensor.Linear(x.Reshape(steps * batch, x.Shape[2]), weightIh, biasIh).Reshape(steps, batch, width);
        var states = Tensor.Recurrence(Kind, gx, weightHh, biasHh, h, c, reverse);
        var last = states.Slice(reverse ? 0 : steps - 1, 1).Reshape(batch, states.Shape[2]);
        if (!HasCell) return (states, last, null);
        return (states.Narrow(2, 0, Hidden), last.Narrow(1, 0, Hidden), last.Narrow(1, Hidden, Hidden));
    }

    private Tensor InitialState(Tensor? given, int batch, string what)
    {
        var shape = new Shape(Layers * Directions, batch, Hidden);
        if (given is null) return Tensor.Zeros(shape);
        if (given.Shape != shape)
            throw new ArgumentException($"{GetType().Name} at '{CurrentPathOrRoot}': the {what} has shape {given.Shape}; expected {shape} (layers × directions, batch, hidden).", nameof(given));
        return given;
    }

    private static Tensor Pick(Tensor states, int index) => states.Narrow(0, index, 1).Reshape(states.Shape[1], states.Shape[2]);

    /// <inheritdoc/>
    protected override string Describe() =>
        $"{GetType().Name}({(Param("weight_ih_l0").Shape[1] == Shape.Unknown ? "None" : Param("weight_ih_l0").Shape[1])} -> {Hidden}, layers={Layers}{(Bidirectional ? ", bidirectional" : "")}{(BatchFirst ? ", batch_first" : "")})";
}
