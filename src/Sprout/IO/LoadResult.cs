namespace Sprout.IO;

/// <summary>What a non-strict load skipped: network parameters absent from the file, and file entries the network lacks.</summary>
public sealed record LoadResult(IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);
