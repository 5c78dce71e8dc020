namespace Sprout.Data;

/// <summary>
/// The book's <c>Vocab</c>: tokens ↔ ids, the most frequent first after <c>&lt;unk&gt;</c> (id 0) and any reserved tokens;
/// tokens seen fewer than <c>minFrequency</c> times map to <c>&lt;unk&gt;</c>. Ids are floats for <see cref="Nn.Embedding"/>.
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<string> _tokens = [];

    /// <summary>The vocabulary of <paramref name="tokens"/>; ties in frequency are broken by first appearance.</summary>
    public Vocabulary(IEnumerable<string> tokens, int minFrequency = 0, IEnumerable<string>? reserved = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        Add(Unknown);
        foreach (var r in reserved ?? [])
            if (!_ids.ContainsKey(r)) Add(r);   // each token once, as the book's set of reserved tokens
        var counts = new Dictionary<string, (int Count, int First)>(StringComparer.Ordinal);
        int position = 0;
        foreach (var t in tokens)
        {
            counts[t] = counts.TryGetValue(t, out var c) ? (c.Count + 1, c.First) : (1, position);
            position++;
        }
        foreach (var (token, _) in counts.Where(kv => kv.Value.Count >= minFrequency).OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.First)
                     .Select(kv => (kv.Key, kv.Value)))
            if (!_ids.ContainsKey(token)) Add(token);
    }

    /// <summary>The token unknown ids and rare tokens map to.</summary>
    public const string Unknown = "<unk>";

    /// <summary>How many tokens it knows.</summary>
    public int Count => _tokens.Count;

    /// <summary>The id of <paramref name="token"/> (0, <c>&lt;unk&gt;</c>, when unknown).</summary>
    public int this[string token] => _ids.GetValueOrDefault(token, 0);

    /// <summary>The token of <paramref name="id"/>.</summary>
    public string Token(int id) => (uint)id < (uint)_tokens.Count ? _tokens[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"The vocabulary has ids 0..{_tokens.Count - 1}.");

    /// <summary>The ids of <paramref name="tokens"/>.</summary>
    public int[] Encode(IEnumerable<string> tokens) => [.. tokens.Select(t => this[t])];

    /// <summary>The tokens of <paramref name="ids"/> (the book's <c>to_tokens</c>); an id outside the vocabulary is an error naming it.</summary>
    public string[] Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return [.. ids.Select(Token)];
    }

    private void Add(string token)
    {
        _ids[token] = _tokens.Count;
        _tokens.Add(token);
    }
}
