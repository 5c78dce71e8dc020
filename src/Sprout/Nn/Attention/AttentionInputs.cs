namespace Sprout.Nn;

/// <summary>The checks an attention layer makes of its (queries, keys, values, valid lengths) inputs, naming the layer.</summary>
internal static class AttentionInputs
{
    public static float CheckDropout(float dropout) =>
        dropout >= 0 && dropout < 1 ? dropout : throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Expected a dropout rate in [0, 1).");

    /// <summary>
    /// Queries (B, Tq, ·), keys (B, Tk, ·) and values (B, Tk, ·), each required; <paramref name="name"/> is the layer and
    /// where it runs ("AdditiveAttention at 'decoder.attention'").
    /// </summary>
    public static (Tensor Queries, Tensor Keys, Tensor Values) Check(string name, IReadOnlyList<Tensor?> inputs)
    {
        if (inputs.Count < 3 || inputs[0] is null || inputs[1] is null || inputs[2] is null)
            throw new ArgumentException($"{name} takes queries, keys and values (and optionally valid lengths); got {inputs.Count} input(s).", nameof(inputs));
        var (queries, keys, values) = (inputs[0]!, inputs[1]!, inputs[2]!);
        foreach (var (t, what) in new[] { (queries, "queries"), (keys, "keys"), (values, "values") })
            if (t.Rank != 3)
                throw new ArgumentException($"{name} expects {what} of shape (batch, steps, features); got {t.Shape}.", nameof(inputs));
        if (keys.Shape[0] != queries.Shape[0] || values.Shape[0] != queries.Shape[0] || values.Shape[1] != keys.Shape[1])
            throw new ArgumentException(
                $"{name}: queries {queries.Shape}, keys {keys.Shape} and values {values.Shape} must share the batch size (axis 0), " +
                "and keys and values their number of steps (axis 1): each key comes with its value.", nameof(inputs));
        return (queries, keys, values);
    }

    /// <summary>The valid lengths (input 3), if any: (B) or (B, Tq).</summary>
    public static Tensor? ValidLengths(string name, IReadOnlyList<Tensor?> inputs, Tensor queries)
    {
        var lengths = inputs.Count > 3 ? inputs[3] : null;
        if (lengths is null || lengths.Shape == new Shape(queries.Shape[0]) || lengths.Shape == new Shape(queries.Shape[0], queries.Shape[1])) return lengths;
        throw new ArgumentException(
            $"{name}: valid lengths of shape {lengths.Shape} do not fit queries {queries.Shape} (batch, steps, features); " +
            $"give one per sequence, ({queries.Shape[0]},), or one per query, ({queries.Shape[0]}, {queries.Shape[1]}).", nameof(inputs));
    }
}
