/*
 * Files z2jh mounts into the hub pod beside its configuration: the workbench's hub-side Python modules.
 */

/** Where z2jh's hub reads its configuration; `jupyterhub_config.py` puts this folder on the Python path. */
export const HUB_CONFIG_DIR = "/usr/local/etc/jupyterhub";

/** A file z2jh mounts into the hub pod (`hub.extraFiles`). */
export interface HubExtraFile {
    /** Where the file appears in the hub container. */
    mountPath: string;
    /** Its content: code the configuration imports, never a secret. */
    stringData: string;
}
