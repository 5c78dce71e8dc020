namespace Sprout.Nn;

/// <summary>
/// Scaled dot-product attention as a layer (the book's <c>DotProductAttention</c>): softmax(Q·Kᵀ/√d)·V, keys beyond each
/// row's valid length or under a mask getting weight 0. (B, Tq, d) × (B, Tk, d) × (B, Tk, v) → (B, Tq, v). It has no
/// parameters; queries and keys must share their feature size d. Runs <see cref="Tensor.ScaledDotProductAttention"/>.
/// </summary>
public sealed class DotProductAttention : Block
{
    /// <summary>Attention whose weights are dropped at rate <paramref name="dropout"/> while training.</summary>
    public DotProductAttention(float dropout = 0f) => Dropout = AttentionInputs.CheckDropout(dropout);

    /// <summary>The rate at which attention weights are dropped while training.</summary>
    public float Dropout { get; }

    /// <summary>The attention weights, (B, Tq, Tk), of the last forward pass run outside <c>Autograd.Record()</c>, for inspection.</summary>
    public Tensor? LastWeights { get; private set; }

    /// <summary>
    /// Attends <paramref name="queries"/> over <paramref name="keys"/> and <paramref name="values"/>, ignoring keys beyond
    /// <paramref name="validLengths"/> ((B) or (B, Tq)) and where <paramref name="mask"/> (broadcast to (B, Tq, Tk)) is non-zero.
    /// </summary>
    public Tensor Forward(Tensor queries, Tensor keys, Tensor values, Tensor? validLengths = null, Tensor? mask = null) =>
        Forward([queries, keys, values, validLengths, mask])[0];

    /// <inheritdoc/>
    protected override Tensor[] ForwardCore(IReadOnlyList<Tensor?> inputs)
    {
        var (queries, keys, values) = AttentionInputs.Check(Where, inputs);
        if (queries.Shape[^1] != keys.Shape[^1])
            throw new ArgumentException(
                $"{Where}: queries {queries.Shape} and keys {keys.Shape} must share their feature size (the last axis) to be multiplied; " +
                "project one of them (a Dense layer), or use AdditiveAttention, which takes different sizes.", nameof(inputs));
        var validLengths = AttentionInputs.ValidLengths(Where, inputs, queries);
        var mask = inputs.Count > 4 ? inputs[4] : null;
        var random = Dropout > 0 && Autograd.IsTraining && !queries.IsMeta ? NextRandom((long)queries.Shape[0] * queries.Shape[1] * keys.Shape[1]) : null;
        var (output, weights) = Tensor.ScaledDotProductAttention(queries, keys, values, validLengths, mask, Dropout, random);
        if (!weights.IsMeta && !Autograd.IsRecording) LastWeights = weights;
        return [output];
    }

    private string Where => $"{GetType().Name} at '{CurrentPathOrRoot}'";

    /// <inheritdoc/>
    protected override string Describe() => $"DotProductAttention(dropout={Dropout})";
}
