/**
 * A small ext4 file system on a loop device, for the audit-file fault tests: a real block device
 * under the open audit file that can be made to fail the way a disk does.
 *
 * This machine kind (a Firecracker VM) has no device-mapper in its kernel, so the `error` target
 * is not available. ext4 itself offers the two failures we need, on the open file, for every
 * writer:
 * - **read-only**: mounted `errors=remount-ro`, an ext4 error (the kernel's own
 *   `/sys/fs/ext4/<dev>/trigger_fs_error`, what a corrupt block would raise) aborts the journal
 *   and turns the file system read-only under the open file: every write and fsync then fails
 *   with EROFS. (A plain `mount -o remount,ro` is refused, EBUSY, while a file is open for writing.)
 * - **I/O errors**: the `EXT4_IOC_SHUTDOWN` ioctl (`godown` in xfstests, which uses it to stand
 *   for a device that died), with `NOLOGFLUSH`: every later write, fsync and open fails with EIO.
 *   Node has no ioctl, so python3 issues it.
 * Both are undone the way an operator would: unmount, `e2fsck -fy`, mount again.
 */
import { execFileSync } from "node:child_process";
import { basename } from "node:path";
import { writeFile } from "node:fs/promises";

/** `_IOR('X', 125, __u32)` from linux/ext4.h */
const EXT4_IOC_SHUTDOWN = 0x8004587d;
/** shut down without flushing the journal: the device is gone */
const EXT4_GOING_FLAGS_NOLOGFLUSH = 2;

const run = (command: string, args: readonly string[]): string => execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Why the loop-device tests cannot run here, or undefined when they can. */
export function loopExt4Unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  for (const [command, args] of [
    ["losetup", ["--version"]],
    ["mkfs.ext4", ["-V"]],
    ["e2fsck", ["-V"]],
    ["mount", ["--version"]],
    ["python3", ["--version"]],
  ] as const) {
    try {
      run(command, args);
    } catch {
      return `no ${command}`;
    }
  }
  try {
    // A free device can be found (or made through /dev/loop-control).
    run("losetup", ["-f"]);
  } catch {
    return "no free loop device";
  }
  return undefined;
}

export class LoopExt4 {
  #device: string | undefined;
  #mounted = false;

  constructor(
    /** backing file (sparse) */
    readonly image: string,
    readonly mountPoint: string,
  ) {}

  get device(): string {
    if (this.#device === undefined) throw new Error("loop device not attached");
    return this.#device;
  }

  async create(sizeMb: number): Promise<void> {
    await writeFile(this.image, "");
    execFileSync("truncate", ["-s", `${sizeMb}M`, this.image]);
    this.#device = run("losetup", ["-f", "--show", this.image]).trim();
    run("mkfs.ext4", ["-q", "-F", this.#device]);
    this.mount();
  }

  mount(): void {
    run("mount", ["-t", "ext4", "-o", "errors=remount-ro", this.device, this.mountPoint]);
    this.#mounted = true;
  }

  /** ext4 error → journal aborted → read-only under every open file (EROFS). */
  turnReadOnly(): void {
    execFileSync("sh", ["-c", `printf 'certeasy fault test' > /sys/fs/ext4/${basename(this.device)}/trigger_fs_error`]);
  }

  /** The file system as if its device died: EIO on every write, fsync and open. `file` is any path on it. */
  failWithIoErrors(file: string): void {
    run("python3", [
      "-c",
      "import fcntl, os, struct, sys; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.ioctl(fd, int(sys.argv[2]), struct.pack('I', int(sys.argv[3])))",
      file,
      String(EXT4_IOC_SHUTDOWN),
      String(EXT4_GOING_FLAGS_NOLOGFLUSH),
    ]);
  }

  /** What an operator does once nothing holds the file open: unmount, check and repair, mount again. */
  repair(): void {
    this.unmount();
    try {
      run("e2fsck", ["-fy", this.device]);
    } catch (error) {
      // 1 and 2: errors corrected; 4 and above: left uncorrected.
      const status = (error as { status?: number }).status ?? 8;
      if (status >= 4) throw error;
    }
    this.mount();
  }

  unmount(): void {
    if (!this.#mounted) return;
    run("umount", [this.mountPoint]);
    this.#mounted = false;
  }

  /** Never leaves a mount or a loop device behind, whatever state the test left them in. */
  destroy(): void {
    if (this.#mounted) {
      try {
        run("umount", [this.mountPoint]);
      } catch {
        run("umount", ["-l", this.mountPoint]);
      }
      this.#mounted = false;
    }
    if (this.#device !== undefined) {
      // Still busy (a lazy unmount not yet done): -d sets autoclear, the kernel detaches it then.
      run("losetup", ["-d", this.#device]);
      this.#device = undefined;
    }
  }
}
