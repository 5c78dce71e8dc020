namespace Sprout.IO;

/// <summary>What a non-strict load skipped: network parameters absent from the file, and file entries the network lacks.</summary>
public sealed record LoadResult(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected)
{
    /// <summary>Equal when both list the same names in the same order.</summary>
    public bool Equals(LoadResult? other) =>
        other is not null && Missing.SequenceEqual(other.Missing, StringComparer.Ordinal) && Unexpected.SequenceEqual(other.Unexpected, StringComparer.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Missing.Count, Unexpected.Count, Missing.FirstOrDefault(), Unexpected.FirstOrDefault());

    /// <summary>The names, as <c>LoadResult { Missing = [0.weight], Unexpected = [] }</c>.</summary>
    public override string ToString() =>
        $"LoadResult {{ Missing = [{string.Join(", ", Missing)}], Unexpected = [{string.Join(", ", Unexpected)}] }}";
}
