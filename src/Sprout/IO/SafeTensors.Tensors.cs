using System.Globalization;

namespace Sprout.IO;

// Saving and loading plain tensors, as the book's file I/O section does with a tensor, a list and a dictionary of them
// (npx.save / torch.save): the same safetensors format and the same atomic write as checkpoints. A list is stored under
// the keys 0, 1, 2, …
public static partial class SafeTensors
{
    /// <summary>Saves one tensor (under the key <c>0</c>).</summary>
    public static void SaveTensor(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        SaveTensors(path, [tensor]);
    }

    /// <summary>Saves a list of tensors, in order (keys <c>0</c>, <c>1</c>, …).</summary>
    public static void SaveTensors(string path, IReadOnlyList<Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        SaveTensors(path, tensors.Select((t, i) => KeyValuePair.Create(i.ToString(CultureInfo.InvariantCulture), t)).ToDictionary());
    }

    /// <summary>Saves a dictionary of tensors under their keys, in the dictionary's order.</summary>
    public static void SaveTensors(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (key, t) in tensors)
        {
            if (string.IsNullOrEmpty(key) || key == "__metadata__")
                throw new ArgumentException($"Cannot save a tensor under the key '{key}': keys must be non-empty and not \"__metadata__\". Nothing was written.", nameof(tensors));
            if (t is null || t.IsMeta)
                throw new ArgumentException($"Cannot save '{key}': {(t is null ? "it is null" : $"it is a meta tensor of shape {t.Shape} (a shape without values)")}. Nothing was written.", nameof(tensors));
        }
        SafeTensorsFile.Write(path, [.. tensors.Select(kv => (kv.Key, kv.Value))], metadata);
    }

    /// <summary>Loads every tensor of a safetensors file, by key, in the file's order.</summary>
    public static IReadOnlyDictionary<string, Tensor> LoadTensors(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = SafeTensorsFile.OpenRead(path);
        var header = SafeTensorsHeader.Read(file, file.Length, path);
        var result = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in header.Entries) result.Add(entry.Name, SafeTensorsFile.ReadTensor(file, header.DataStart, entry));
        return result;
    }

    /// <summary>Loads a list saved by <see cref="SaveTensors(string, IReadOnlyList{Tensor})"/> (keys 0 … n − 1).</summary>
    public static IReadOnlyList<Tensor> LoadTensorList(string path)
    {
        var all = LoadTensors(path);
        var list = new List<Tensor>(all.Count);
        for (int i = 0; i < all.Count; i++)
            list.Add(all.TryGetValue(i.ToString(CultureInfo.InvariantCulture), out var t) ? t
                : throw new FormatException($"{path} does not hold a list of tensors: there is no key '{i}' among its {all.Count} keys ({string.Join(", ", all.Keys.Take(10))}). Use LoadTensors for a dictionary."));
        return list;
    }

    /// <summary>Loads a file holding exactly one tensor (saved by <see cref="SaveTensor"/>).</summary>
    public static Tensor LoadTensor(string path)
    {
        var all = LoadTensors(path);
        return all.Count == 1 ? all.Values.First()
            : throw new FormatException($"{path} holds {all.Count} tensors ({string.Join(", ", all.Keys.Take(10))}), not one. Use LoadTensors or LoadTensorList.");
    }
}
