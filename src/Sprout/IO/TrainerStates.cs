using System.Globalization;
using Sprout.Nn;
using Sprout.Training;

namespace Sprout.IO;

/// <summary>
/// A trainer's optimizer state — each parameter's moments or momentum, the step count and the learning rate — saved
/// and loaded beside the parameters, so that training resumes exactly where it stopped (Gluon's
/// <c>Trainer.save_states</c>, PyTorch's optimizer <c>state_dict</c>). The file is safetensors: one tensor per parameter and
/// state array, named <c>{parameter}.{state}</c> (<c>0.weight.exp_avg</c>; the state names are PyTorch's where it keeps
/// the same state), with the optimizer's type, step count and learning rate in the metadata.
/// </summary>
public static class TrainerStates
{
    private const string Format = "sprout.trainer-states/1";

    /// <summary>Writes <paramref name="trainer"/>'s optimizer state to <paramref name="path"/> (atomically: an error leaves any previous file intact).</summary>
    public static void SaveStates(this Trainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var names = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in trainer.TrainedParameters) names[p] = name;
        var optimizer = trainer.Optimizer;
        var tensors = optimizer.PersistentState()
            .Where(s => names.ContainsKey(s.Parameter))
            .Select(s => ($"{names[s.Parameter]}.{s.Name}", Tensor.FromArray(s.Values, s.Parameter.Shape.ToArray())))
            .OrderBy(t => t.Item1, StringComparer.Ordinal)
            .ToList();
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["optimizer"] = optimizer.GetType().Name,
            ["step"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture),
            ["learning_rate"] = optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture),
        };
        SafeTensorsFile.Write(path, tensors, metadata, wrap: null);
    }

    /// <summary>
    /// Replaces <paramref name="trainer"/>'s optimizer state with the one saved in <paramref name="path"/> by
    /// <see cref="SaveStates"/>: load the parameters first (<c>LoadParameters</c>), then this. The file must come from
    /// the same optimizer type, and every state must belong to a parameter of this trainer, be one this optimizer keeps,
    /// and have its parameter's shape; otherwise nothing changes and the error names what disagrees.
    /// </summary>
    public static void LoadStates(this Trainer trainer, string path)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var metadata = SafeTensors.ReadMetadata(path);
        var optimizer = trainer.Optimizer;
        if (!metadata.TryGetValue("format", out var format) || format != Format)
            throw new FormatException($"{path} is not a trainer state file (its metadata has format '{format ?? "(none)"}', expected '{Format}'). Save one with trainer.SaveStates(path).");
        string savedBy = metadata.GetValueOrDefault("optimizer") ?? "(none)";
        if (savedBy != optimizer.GetType().Name)
            throw new ArgumentException($"{path} holds the state of a {savedBy} optimizer; this trainer's optimizer is a {optimizer.GetType().Name}. Load it into a trainer with a {savedBy}.", nameof(path));
        if (!int.TryParse(metadata.GetValueOrDefault("step"), NumberStyles.None, CultureInfo.InvariantCulture, out int step)
            || !float.TryParse(metadata.GetValueOrDefault("learning_rate"), NumberStyles.Float, CultureInfo.InvariantCulture, out float learningRate))
            throw new FormatException($"{path}: the metadata's step ('{metadata.GetValueOrDefault("step")}') or learning_rate ('{metadata.GetValueOrDefault("learning_rate")}') is not a number.");
        var state = Match(trainer, path, SafeTensors.LoadTensors(path));
        optimizer.LearningRate = learningRate;   // checked by its setter before anything else changes
        optimizer.RestoreState(step, state);
    }

    /// <summary>The file's arrays by parameter, in the optimizer's state order, after every check.</summary>
    private static Dictionary<Parameter, float[][]> Match(Trainer trainer, string path, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var names = trainer.Optimizer.StateNames;
        var slots = names.Select((name, i) => (name, i)).ToDictionary(t => t.name, t => t.i, StringComparer.Ordinal);
        var byName = trainer.TrainedParameters.ToDictionary(t => t.Name, t => t.Parameter, StringComparer.Ordinal);
        var found = new Dictionary<Parameter, float[]?[]>(ReferenceEqualityComparer.Instance);
        var problems = new List<string>();
        foreach (var (key, tensor) in tensors)
        {
            int dot = key.LastIndexOf('.');
            string parameterName = dot < 0 ? "" : key[..dot], stateName = dot < 0 ? key : key[(dot + 1)..];
            int slot = slots.GetValueOrDefault(stateName, -1);
            if (!byName.TryGetValue(parameterName, out var p)) problems.Add($"'{key}' belongs to no parameter of this trainer");
            else if (slot < 0) problems.Add($"'{key}': a {trainer.Optimizer.GetType().Name} keeps {(names.Count == 0 ? "no state" : string.Join(", ", names))}, not '{stateName}'");
            else if (!p.IsInitialized) problems.Add($"'{key}': parameter '{parameterName}' is not filled yet (load the parameters or run a forward pass first)");
            else if (tensor.Shape != p.Shape) problems.Add($"'{key}' has shape {tensor.Shape}, parameter '{parameterName}' {p.Shape}");
            else (found.TryGetValue(p, out var arrays) ? arrays : found[p] = new float[names.Count][])[slot] = tensor.ToArray();
        }
        foreach (var (p, arrays) in found)
            for (int i = 0; i < arrays.Length; i++)
                if (arrays[i] is null) problems.Add($"'{byName.First(kv => ReferenceEquals(kv.Value, p)).Key}.{names[i]}' is missing beside the parameter's other state");
        if (problems.Count > 0)
            throw new CheckpointMismatchException(path, [], [], problems,
                $"{path} does not fit this trainer; nothing was loaded: {string.Join("; ", problems)}.");
        var state = new Dictionary<Parameter, float[][]>(ReferenceEqualityComparer.Instance);
        foreach (var (p, arrays) in found) state[p] = [.. arrays.Select(a => a!)];
        return state;
    }
}
