using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Multi-head attention (Vaswani et al.; the book's <c>MultiHeadAttention</c>): queries, keys and values are projected to
/// <c>hidden</c> features, split into <see cref="Heads"/> heads of hidden/heads each, attended with scaled dot products
/// (keys beyond each row's valid length, or under a mask, get weight 0), joined and projected again.
/// (B, Tq, q) × (B, Tk, k) × (B, Tk, v) → (B, Tq, hidden). The query, key and value sizes are inferred from the first
/// call and may differ; <c>hidden</c> too, from the queries, unless given. Parameters as PyTorch's with separate input
/// projections: <c>q_proj_weight</c>, <c>k_proj_weight</c>, <c>v_proj_weight</c> (hidden, size), <c>in_proj_bias</c> (3·hidden),
/// <c>out_proj.weight</c> (hidden, hidden), <c>out_proj.bias</c>.
/// </summary>
public sealed class MultiHeadAttention : Block
{
    /// <summary>
    /// Attention with <paramref name="heads"/> heads over <paramref name="hidden"/> features (inferred from the queries
    /// when left out), attention-weight <paramref name="dropout"/> while training, and biases unless <paramref name="useBias"/> is false.
    /// </summary>
    public MultiHeadAttention(int heads, int hidden = Shape.Unknown, float dropout = 0f, bool useBias = true, Initializer? weightInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        if (hidden != Shape.Unknown && (hidden <= 0 || hidden % heads != 0))
            throw new ArgumentOutOfRangeException(nameof(hidden), hidden, $"Expected a hidden size divisible by the {heads} heads, or leave it out to infer it.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");
        (Heads, Dropout) = (heads, dropout);
        QueryWeight = AddParameter("q_proj_weight", new Shape(hidden, Shape.Unknown), weightInitializer);
        KeyWeight = AddParameter("k_proj_weight", new Shape(hidden, Shape.Unknown), weightInitializer);
        ValueWeight = AddParameter("v_proj_weight", new Shape(hidden, Shape.Unknown), weightInitializer);
        InputBias = useBias ? AddParameter("in_proj_bias", new Shape(hidden == Shape.Unknown ? Shape.Unknown : 3 * hidden)) : null;
        OutputWeight = AddParameter("out_proj.weight", new Shape(hidden, hidden), weightInitializer);
        OutputBias = useBias ? AddParameter("out_proj.bias", new Shape(hidden)) : null;
    }

    /// <summary>The number of heads.</summary>
    public int Heads { get; }
    /// <summary>The dropout rate on the attention weights while training.</summary>
    public float Dropout { get; }
    /// <summary>(hidden, query size).</summary>
    public Parameter QueryWeight { get; }
    /// <summary>(hidden, key size).</summary>
    public Parameter KeyWeight { get; }
    /// <summary>(hidden, value size).</summary>
    public Parameter ValueWeight { get; }
    /// <summary>(3·hidden): the query, key and value projections' biases, in that order; null without biases.</summary>
    public Parameter? InputBias { get; }
    /// <summary>(hidden, hidden).</summary>
    public Parameter OutputWeight { get; }
    /// <summary>(hidden); null without biases.</summary>
    public Parameter? OutputBias { get; }

    /// <summary>
    /// The attention weights, (B, heads, Tq, Tk), of the last forward pass run outside <c>Autograd.Record()</c> (a
    /// prediction), for inspection. A recorded (training) pass leaves them as they were: keeping its weights would hold
    /// a B·heads·Tq·Tk array alive past every step, instead of handing it back for the next.
    /// </summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>
    /// Attends <paramref name="queries"/> over <paramref name="keys"/> and <paramref name="values"/>: keys beyond
    /// <paramref name="validLengths"/> ((B) or (B, Tq)) and where <paramref name="mask"/> ((Tq, Tk) or broadcastable to
    /// (B, heads, Tq, Tk), e.g. <see cref="Tensor.CausalMask"/>) is non-zero are ignored.
    /// </summary>
    public Tensor Forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLengths = null, Tensor? mask = null) =>
        Forward([queries, keys, values, validLengths, mask])[0];

    /// <inheritdoc/>
    protected override void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        var (queries, keys, values) = Inputs(inputs);
        foreach (var (t, what) in new[] { (queries, "queries"), (keys, "keys"), (values, "values") })
            if (t.Rank != 3)
                throw new ArgumentException($"MultiHeadAttention at '{CurrentPathOrRoot}' expects {what} of shape (batch, steps, features); got {t.Shape}.", nameof(inputs));
        int hidden = QueryWeight.Shape[0] != Shape.Unknown ? QueryWeight.Shape[0] : queries.Shape[^1];
        if (hidden % Heads != 0)
            throw new ArgumentException(
                $"MultiHeadAttention at '{CurrentPathOrRoot}': the hidden size {hidden} (inferred from queries {queries.Shape}) is not divisible by its {Heads} heads. " +
                "Give a hidden size that is, or feed features of such a size.", nameof(inputs));
        RefineShape(QueryWeight, new Shape(hidden, queries.Shape[^1]), queries, "query features");
        RefineShape(KeyWeight, new Shape(hidden, keys.Shape[^1]), keys, "key features");
        RefineShape(ValueWeight, new Shape(hidden, values.Shape[^1]), values, "value features");
        RefineShape(OutputWeight, new Shape(hidden, hidden), queries, "hidden features");
        if (InputBias is not null) RefineShape(InputBias, new Shape(3 * hidden), queries, "hidden features (×3)");
        if (OutputBias is not null) RefineShape(OutputBias, new Shape(hidden), queries, "hidden features");
    }

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var (queries, keys, values) = Inputs(inputs);
        var validLengths = AttentionInputs.ValidLengths($"MultiHeadAttention at '{CurrentPathOrRoot}'", inputs, queries);
        var mask = inputs.Count > 4 ? inputs[4] : null;
        int hidden = QueryWeight.Shape[0];
        Tensor? Bias(int part) => InputBias?.Data().Narrow(0, part * hidden, hidden);
        var q = SplitHeads(Tensor.Linear(queries, QueryWeight.Data(), Bias(0)));
        var k = SplitHeads(Tensor.Linear(keys, KeyWeight.Data(), Bias(1)));
        var v = SplitHeads(Tensor.Linear(values, ValueWeight.Data(), Bias(2)));
        var random = Dropout > 0 && Autograd.IsTraining && !q.IsMeta ? NextRandom((long)q.Shape[0] * Heads * q.Shape[2] * k.Shape[2]) : null;
        var (attended, weights) = Tensor.ScaledDotProductAttention(q, k, v, validLengths, mask, Dropout, random);
        if (!weights.IsMeta && !Autograd.IsRecording) LastWeights = weights;
        var joined = attended.Transpose(0, 2, 1, 3).Reshape(queries.Shape[0], queries.Shape[1], hidden);
        return [Tensor.Linear(joined, OutputWeight.Data(), OutputBias?.Data())];
    }

    /// <summary>(B, T, hidden) → (B, heads, T, hidden/heads).</summary>
    private Tensor SplitHeads(Tensor x) => x.Reshape(x.Shape[0], x.Shape[1], Heads, x.Shape[2] / Heads).Transpose(0, 2, 1, 3);

    /// <summary>Queries, and keys and values defaulting to the queries (self-attention) when left out.</summary>
    private static (Tensor Queries, Tensor Keys, Tensor Values) Inputs(IReadOnlyList<Tensor?> inputs)
    {
        var queries = inputs[0]!;
        var keys = inputs.Count > 1 && inputs[1] is { } k ? k : queries;
        var values = inputs.Count > 2 && inputs[2] is { } v ? v : keys;
        return (queries, keys, values);
    }

    /// <inheritdoc/>
    protected override string Describe() =>
        $"MultiHeadAttention(heads={Heads}, hidden={(QueryWeight.Shape[0] == Shape.Unknown ? "None" : QueryWeight.Shape[0])}, dropout={Dropout})";
}
