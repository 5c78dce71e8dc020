using Sprout.Init;

namespace Sprout.Nn;

/// <summary>
/// Additive attention (Bahdanau et al.; the book's <c>AdditiveAttention</c>): the score of query q and key k is
/// w_vᵀ·tanh(W_q·q + W_k·k); a softmax over the keys (those beyond each row's valid length get weight 0) weighs the
/// values. (B, Tq, q) × (B, Tk, k) × (B, Tk, v) → (B, Tq, v). The query and key sizes are inferred from the first call
/// and may differ. Parameters as the book's PyTorch code names its bias-free lazy linear layers: <c>W_q.weight</c>
/// (hidden, q), <c>W_k.weight</c> (hidden, k), <c>w_v.weight</c> (1, hidden). It forms a (B, Tq, Tk, hidden) tensor
/// of features, as the book does: for long sequences, <see cref="DotProductAttention"/> costs far less.
/// </summary>
public sealed class AdditiveAttention : Block
{
    /// <summary>Scores through <paramref name="hidden"/> features, attention-weight <paramref name="dropout"/> while training.</summary>
    public AdditiveAttention(int hidden, float dropout = 0f, Initializer? weightInitializer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        Dropout = AttentionInputs.CheckDropout(dropout);
        QueryWeight = AddParameter("W_q.weight", new Shape(hidden, Shape.Unknown), weightInitializer);
        KeyWeight = AddParameter("W_k.weight", new Shape(hidden, Shape.Unknown), weightInitializer);
        ScoreWeight = AddParameter("w_v.weight", new Shape(1, hidden), weightInitializer);
    }

    /// <summary>The rate at which attention weights are dropped while training.</summary>
    public float Dropout { get; }
    /// <summary>W_q, (hidden, query features).</summary>
    public Parameter QueryWeight { get; }
    /// <summary>W_k, (hidden, key features).</summary>
    public Parameter KeyWeight { get; }
    /// <summary>w_v, (1, hidden).</summary>
    public Parameter ScoreWeight { get; }

    /// <summary>
    /// The attention weights, (B, Tq, Tk), of the last forward pass run outside <c>Autograd.Record()</c> (a prediction),
    /// for inspection, as the book keeps <c>attention_weights</c>; a recorded pass leaves them as they were.
    /// </summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>Attends <paramref name="queries"/> over <paramref name="keys"/> and <paramref name="values"/>, ignoring keys beyond <paramref name="validLengths"/> ((B) or (B, Tq)).</summary>
    public Tensor Forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLengths = null) =>
        Forward([queries, keys, values, validLengths])[0];

    /// <inheritdoc/>
    protected override void InferShapes(IReadOnlyList<Tensor?> inputs)
    {
        var (queries, keys, _) = AttentionInputs.Check(Where, inputs);
        RefineShape(QueryWeight, new Shape(QueryWeight.Shape[0], queries.Shape[^1]), queries, "query features");
        RefineShape(KeyWeight, new Shape(KeyWeight.Shape[0], keys.Shape[^1]), keys, "key features");
    }

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var (queries, keys, values) = AttentionInputs.Check(Where, inputs);
        var validLengths = AttentionInputs.ValidLengths(Where, inputs, queries);
        var q = Tensor.Linear(queries, QueryWeight.Data(), null);   // (B, Tq, h)
        var k = Tensor.Linear(keys, KeyWeight.Data(), null);         // (B, Tk, h)
        var features = (q.Unsqueeze(2) + k.Unsqueeze(1)).Tanh();     // (B, Tq, Tk, h)
        var weights = Tensor.Linear(features, ScoreWeight.Data(), null).Squeeze(-1).MaskedSoftmax(validLengths);
        if (!weights.IsMeta && !Autograd.IsRecording) LastWeights = weights;
        return [ApplyDropout(weights, Dropout).MatMul(values)];
    }

    private string Where => $"{GetType().Name} at '{CurrentPathOrRoot}'";

    /// <inheritdoc/>
    protected override string Describe() => $"AdditiveAttention(hidden={QueryWeight.Shape[0]}, dropout={Dropout})";
}
