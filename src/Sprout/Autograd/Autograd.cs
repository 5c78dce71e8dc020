namespace Sprout;

/// <summary>
/// Reverse-mode automatic differentiation, Gluon style: ops run inside <see cref="Record"/> are written to a tape,
/// and <see cref="Tensor.Backward(Tensor?)"/> walks it back. <see cref="IsTraining"/> tells layers such as
/// dropout and batch norm which behaviour to use. The state is per thread.
/// </summary>
public static class Autograd
{
    [ThreadStatic] private static bool s_recording;
    [ThreadStatic] private static bool s_training;

    /// <summary>True inside <see cref="Record"/> (and not inside <see cref="Pause"/>).</summary>
    public static bool IsRecording => s_recording;

    /// <summary>True in training mode: inside <c>Record()</c> by default, or inside <see cref="Train"/>.</summary>
    public static bool IsTraining => s_training;

    /// <summary>
    /// How many ops this thread has recorded so far: a mark to ask later whether a tensor was recorded after it
    /// (<see cref="Tensor.WasRecordedAfter"/>), which is how a container tells its children's fresh outputs apart.
    /// </summary>
    internal static long Mark => TapeNode.Issued;

    [ThreadStatic] private static List<Tensor>? t_collector;

    /// <summary>
    /// Makes <paramref name="collector"/> receive every tensor an op records on this thread from now on (a block's forward
    /// collecting its intermediates); returns the collector it replaces, to be swapped back.
    /// </summary>
    internal static List<Tensor>? SwapCollector(List<Tensor>? collector)
    {
        var previous = t_collector;
        t_collector = collector;
        return previous;
    }

    /// <summary>Hands a freshly recorded tensor to the current collector, if any.</summary>
    internal static void Collect(Tensor recorded) => t_collector?.Add(recorded);

    /// <summary>Records the ops run until the scope is disposed; training mode unless <paramref name="trainMode"/> is false.</summary>
    public static Scope Record(bool trainMode = true) => new(recording: true, training: trainMode);

    /// <summary>Stops recording until disposed (the training mode is kept).</summary>
    public static Scope Pause() => new(recording: false, training: s_training);

    /// <summary>Training mode without changing whether ops are recorded.</summary>
    public static Scope Train() => new(recording: s_recording, training: true);

    /// <summary>Prediction mode without changing whether ops are recorded.</summary>
    public static Scope Predict() => new(recording: s_recording, training: false);

    /// <summary>Restores the previous recording and training state when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _previousRecording, _previousTraining;

        internal Scope(bool recording, bool training)
        {
            (_previousRecording, _previousTraining) = (s_recording, s_training);
            (s_recording, s_training) = (recording, training);
        }

        /// <inheritdoc/>
        public void Dispose() => (s_recording, s_training) = (_previousRecording, _previousTraining);
    }
}
