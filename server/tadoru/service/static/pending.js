/*
 * A PDF on its way from the paste form to the reader (/read). The form's page keeps the chosen
 * file in this origin's IndexedDB and opens /read#pending; the reader takes it out (once). A
 * Blob is stored as is: no size limit like sessionStorage's, and nothing leaves the browser.
 */
const DB = "tadoru-reader";
const STORE = "pending";
const KEY = "pdf";

function withStore(mode, work) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result.value); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}

export function keepPendingPdf(file) {
  return withStore("readwrite", (store) => {
    store.put({ name: file.name, blob: file }, KEY);
    return { value: true };
  });
}

export function takePendingPdf() {
  return withStore("readwrite", (store) => {
    const holder = { value: null };
    const get = store.get(KEY);
    get.onsuccess = () => {
      const item = get.result;
      if (item && item.blob) holder.value = new File([item.blob], item.name || "PDF", { type: "application/pdf" });
      store.delete(KEY);
    };
    return holder;
  });
}
