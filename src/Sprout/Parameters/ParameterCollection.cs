using System.Collections;
using System.Text;

namespace Sprout.Nn;

/// <summary>
/// An ordered map from structural names (<c>0.weight</c>, <c>1.bias</c>) to parameters, each parameter once even
/// when a block appears in several places. Prints like Gluon's <c>collect_params()</c>.
/// </summary>
public sealed class ParameterCollection : IReadOnlyDictionary<string, Parameter>
{
    private readonly OrderedDictionary<string, Parameter> _items = new(StringComparer.Ordinal);

    /// <summary>An empty collection printed under <paramref name="owner"/>.</summary>
    public ParameterCollection(string owner = "") => Owner = owner;

    /// <summary>The name of the block the parameters were collected from, printed as the header.</summary>
    public string Owner { get; }

    internal void Add(string path, Parameter p) => _items.Add(path, p);

    /// <summary>The parameter named <paramref name="key"/>; the error lists the names there are.</summary>
    public Parameter this[string key] => _items.TryGetValue(key, out var p) ? p : throw new KeyNotFoundException(
        $"No parameter named '{key}'. The names here are: {(Count == 0 ? "(none)" : string.Join(", ", _items.Keys))}.");

    /// <summary>How many parameters it holds.</summary>
    public int Count => _items.Count;
    /// <summary>The names, in order.</summary>
    public IEnumerable<string> Keys => _items.Keys;
    /// <summary>The parameters, in order.</summary>
    public IEnumerable<Parameter> Values => _items.Values;
    /// <summary>Whether a parameter is named <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _items.ContainsKey(key);
    /// <summary>The parameter named <paramref name="key"/>, if any.</summary>
    public bool TryGetValue(string key, out Parameter value) => _items.TryGetValue(key, out value!);
    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, Parameter>> GetEnumerator() => _items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The parameters whose names start with <paramref name="prefix"/>, with the prefix removed (e.g. "1." → the second layer's).</summary>
    public ParameterCollection WithPrefix(string prefix)
    {
        var sub = new ParameterCollection(Owner);
        foreach (var (key, p) in _items)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) sub.Add(key[prefix.Length..], p);
        return sub;
    }

    /// <summary>
    /// A new collection with this one's parameters followed by <paramref name="other"/>'s, each of the latter named with
    /// <paramref name="prefix"/> in front (Gluon's <c>update</c>; PyTorch chains two <c>parameters()</c>), so that one
    /// trainer updates two networks: <c>new ParameterCollection().Merge(encoder.CollectParams(), "encoder.")
    /// .Merge(decoder.CollectParams(), "decoder.")</c>. A parameter in both is kept once, under its first name; a name
    /// taken by a different parameter is an error naming it, and nothing is merged.
    /// </summary>
    public ParameterCollection Merge(ParameterCollection other, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(prefix);
        var merged = new ParameterCollection(Owner);
        foreach (var (key, p) in _items) merged.Add(key, p);
        foreach (var (key, p) in other)
        {
            if (merged.Values.Contains(p)) continue;
            string name = prefix + key;
            if (merged.ContainsKey(name))
                throw new ArgumentException(
                    $"ParameterCollection.Merge: '{name}' names a different parameter in each collection ({merged[name].Shape} and {p.Shape}). " +
                    "Give the second collection a prefix (Merge(other, \"decoder.\")) so that every name stays unique.", nameof(other));
            merged.Add(name, p);
        }
        return merged;
    }

    /// <summary>
    /// Sets every gradient to zero (Gluon's <c>collect_params().zero_grad()</c>, PyTorch's <c>net.zero_grad()</c>): needed
    /// between steps when gradients accumulate (<c>GradReq.Add</c>). Frozen and not yet filled parameters have none and are skipped.
    /// </summary>
    public void ZeroGrad()
    {
        foreach (var p in Values) p.ZeroGrad();
    }

    /// <summary>Sets the gradient requirement of every parameter (e.g. <c>GradReq.Null</c> to freeze them).</summary>
    public void SetGradReq(GradReq request)
    {
        foreach (var p in Values) p.GradReq = request;
    }

    /// <summary>
    /// Sets every parameter's <see cref="Parameter.LearningRateMultiplier"/> (Gluon's <c>setattr('lr_mult', …)</c>):
    /// <c>net.Output.CollectParams().SetLearningRateMultiplier(10)</c> trains a new head ten times faster than the body.
    /// </summary>
    public void SetLearningRateMultiplier(float multiplier)
    {
        foreach (var p in Values) p.LearningRateMultiplier = multiplier;   // a bad value throws at the first, changing none
    }

    /// <summary>
    /// Sets every parameter's <see cref="Parameter.WeightDecayMultiplier"/> (Gluon's <c>setattr('wd_mult', …)</c>):
    /// <c>net.CollectParams(".*bias").SetWeightDecayMultiplier(0)</c> decays the weights alone, as the book's weight decay section does.
    /// </summary>
    public void SetWeightDecayMultiplier(float multiplier)
    {
        foreach (var p in Values) p.WeightDecayMultiplier = multiplier;
    }

    /// <summary>The total number of elements; unknown while a shape has -1s.</summary>
    public long? ElementCount => Values.All(p => p.Shape.IsKnown) ? Values.Sum(p => (long)p.Shape.ElementCount) : null;

    /// <inheritdoc/>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Owner).Append(Owner.Length > 0 ? " (" : "(").Append('\n');
        foreach (var (key, p) in _items) sb.Append("  Parameter ").Append(key).Append(" (shape=").Append(p.Shape).Append(", dtype=float32)\n");
        return sb.Append(')').ToString();
    }
}
